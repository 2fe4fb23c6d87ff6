package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.upstream.HealthCheck;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.portico.undertow.HostileUpstream.awaitOrFail;
import static org.assertj.core.api.Assertions.assertThat;

/** Active health checks over real sockets: they eject and restore, and run exactly while a gateway serves them. */
class HealthCheckSocketTest {

    @AutoClose
    private final Closer resources = new Closer();


    /** A backend whose {@code /health} answers 503 while {@code sick} is set, and its name elsewhere. */
    private Backend backend(String name, AtomicBoolean sick, AtomicInteger checks) {
        return resources.add(Backend.start(exchange -> {
            if (exchange.getRequestPath().equals("/health")) {
                checks.incrementAndGet();
                exchange.setStatusCode(sick.get() ? 503 : 200);
                exchange.getResponseSender().send(sick.get() ? "sick" : "ok");
            } else {
                exchange.getResponseSender().send(name);
            }
        }));
    }

    private static HealthCheck quickCheck() {
        return HealthCheck.builder("/health").interval(Duration.ofMillis(50)).timeout(Duration.ofSeconds(1))
                .unhealthyThreshold(2).healthyThreshold(2).build();
    }

    private static Gateway gateway(Upstream upstream) {
        return Gateway.builder().route(Route.get("/who").to(upstream)).build();
    }

    private static String get(PorticoServer server) throws Exception {
        return RawHttp.send(server.port(), "GET /who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").body();
    }

    @Test
    void anInstanceThatFailsItsChecksIsTakenOutAndComesBackWhenTheyPass() throws Exception {
        AtomicBoolean sick = new AtomicBoolean();
        AtomicInteger checksOfA = new AtomicInteger();
        Upstream app = Upstream.builder("app")
                .instance(backend("a", sick, checksOfA).url()).instance(backend("b", new AtomicBoolean(), new AtomicInteger()).url())
                .healthCheck(quickCheck()).build();
        PorticoServer server = resources.add(PorticoServer.builder(gateway(app)).port(0).drainTimeout(Duration.ZERO).start());
        awaitOrFail(() -> checksOfA.get() >= 2, Duration.ofSeconds(30), () -> "checks running");

        sick.set(true);
        awaitOrFail(() -> app.availableEndpoints().size() == 1, Duration.ofSeconds(30), () -> "a taken out");
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            answers.add(get(server));
        }
        assertThat(answers).containsOnly("b");

        sick.set(false);
        awaitOrFail(() -> app.availableEndpoints().size() == 2, Duration.ofSeconds(30), () -> "a back");
        answers.clear();
        for (int i = 0; i < 4; i++) {
            answers.add(get(server));
        }
        assertThat(answers).contains("a", "b");
    }

    @Test
    void checksGoOnAcrossASwapThatKeepsTheUpstreamAndStopWithTheLastGatewayThatUsesIt() throws Exception {
        AtomicInteger checks = new AtomicInteger();
        Upstream app = Upstream.builder("app").instance(backend("a", new AtomicBoolean(), checks).url())
                .healthCheck(quickCheck()).build();
        PorticoServer server = resources.add(PorticoServer.builder(gateway(app)).port(0).drainTimeout(Duration.ZERO).start());
        awaitOrFail(() -> checks.get() >= 2, Duration.ofSeconds(30), () -> "checks running");

        server.swap(gateway(app)).toCompletableFuture().get(30, TimeUnit.SECONDS); // the old gateway is closed
        int afterSwap = checks.get();
        awaitOrFail(() -> checks.get() >= afterSwap + 3, Duration.ofSeconds(30), () -> "checks after the swap");

        Upstream other = Upstream.of("other", backend("o", new AtomicBoolean(), new AtomicInteger()).url());
        server.swap(gateway(other)).toCompletableFuture().get(30, TimeUnit.SECONDS);
        Thread.sleep(100); // a check already started may still land
        int stopped = checks.get();
        Thread.sleep(300);
        assertThat(checks.get()).isEqualTo(stopped);
    }

    @Test
    void checksStopWhenTheServerStops() throws Exception {
        AtomicInteger checks = new AtomicInteger();
        Upstream app = Upstream.builder("app").instance(backend("a", new AtomicBoolean(), checks).url())
                .healthCheck(quickCheck()).build();
        PorticoServer server = PorticoServer.builder(gateway(app)).port(0).drainTimeout(Duration.ZERO).start();
        awaitOrFail(() -> checks.get() >= 2, Duration.ofSeconds(30), () -> "checks running");

        server.close();
        Thread.sleep(100);
        int stopped = checks.get();
        Thread.sleep(300);

        assertThat(checks.get()).isEqualTo(stopped);
    }
}
