package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.upstream.Endpoint;
import dev.portico.core.upstream.OutlierDetection;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.portico.undertow.HostileUpstream.awaitOrFail;
import static org.assertj.core.api.Assertions.assertThat;

/** Passive health over real sockets: killed and failing instances are ejected, traffic goes on, they come back. */
class OutlierSocketTest {

    @AutoClose
    private final Closer resources = new Closer();


    private PorticoServer serve(Upstream upstream) {
        return resources.add(PorticoServer.builder(Gateway.builder().route(Route.get("/who").to(upstream)).build())
                .port(0).drainTimeout(Duration.ZERO).start());
    }

    private static RawHttp.Reply get(PorticoServer server) throws Exception {
        return RawHttp.send(server.port(), "GET /who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    }

    /** A backend that answers its name, or 503 while {@code failing} is set. */
    private Backend backend(String name, AtomicBoolean failing) {
        return resources.add(Backend.start(exchange -> {
            if (failing.get()) {
                exchange.setStatusCode(503);
            }
            exchange.getResponseSender().send(name);
        }));
    }

    @Test
    void aKilledInstanceIsEjectedAndTrafficContinuesOnTheOthers() throws Exception {
        AtomicBoolean never = new AtomicBoolean();
        Backend a = backend("a", never);
        Backend b = Backend.start(exchange -> exchange.getResponseSender().send("b"));
        Upstream app = Upstream.builder("app").instance(a.url()).instance(b.url()).instance(backend("c", never).url())
                .outlierDetection(OutlierDetection.builder().consecutiveFailures(2).maxEjectedShare(0.34).build())
                .build();
        PorticoServer server = serve(app);
        Endpoint killed = app.endpoints().get(1);
        b.close();

        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            statuses.add(get(server).status());
        }

        assertThat(statuses.stream().filter(s -> s == 502).count()).isEqualTo(2); // the two failures that eject it
        assertThat(statuses.subList(6, 30)).containsOnly(200);
        assertThat(app.availableEndpoints()).hasSize(2).doesNotContain(killed);
    }

    @Test
    void anEjectedInstanceGetsTrafficAgainAfterItsEjectionTime() throws Exception {
        AtomicBoolean failing = new AtomicBoolean(true);
        AtomicBoolean never = new AtomicBoolean();
        Upstream app = Upstream.builder("app").instance(backend("a", failing).url()).instance(backend("b", never).url())
                .outlierDetection(OutlierDetection.builder().consecutiveFailures(3)
                        .baseEjectionTime(Duration.ofMillis(500)).build())
                .build();
        PorticoServer server = serve(app);
        for (int i = 0; i < 6; i++) {
            get(server);
        }
        assertThat(app.availableEndpoints()).hasSize(1);
        for (int i = 0; i < 6; i++) {
            assertThat(get(server).body()).isEqualTo("b");
        }

        failing.set(false);
        awaitOrFail(() -> app.availableEndpoints().size() == 2, Duration.ofSeconds(30), () -> "the instance back");
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            bodies.add(get(server).body());
        }
        assertThat(bodies).containsOnly("a", "b").contains("a");
    }

    @Test
    void noMoreThanTheMaxShareOfFailingInstancesIsEjected() throws Exception {
        AtomicBoolean failing = new AtomicBoolean(true);
        Upstream.Builder builder = Upstream.builder("app")
                .outlierDetection(OutlierDetection.builder().consecutiveFailures(2).maxEjectedShare(0.5).build());
        for (int i = 0; i < 4; i++) {
            builder.instance(backend("i" + i, failing).url());
        }
        Upstream app = builder.build();
        PorticoServer server = serve(app);

        for (int i = 0; i < 20; i++) {
            assertThat(get(server).status()).isEqualTo(503); // passed through: no retry, no mapping here
        }

        assertThat(app.availableEndpoints()).hasSize(2);
    }

    @Test
    void whenEveryInstanceIsEjectedCallsStillReachThem() throws Exception {
        AtomicBoolean failing = new AtomicBoolean(true);
        Upstream app = Upstream.builder("app").instance(backend("only", failing).url())
                .outlierDetection(OutlierDetection.builder().consecutiveFailures(2).build())
                .build();
        PorticoServer server = serve(app);
        get(server);
        get(server);
        failing.set(false);

        RawHttp.Reply reply = get(server);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo("only");
    }
}
