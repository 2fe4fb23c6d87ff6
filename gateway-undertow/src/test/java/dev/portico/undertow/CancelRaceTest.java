package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Request;
import dev.portico.core.Route;
import dev.portico.core.Response;
import dev.portico.core.spi.CallOptions;
import dev.portico.core.upstream.Endpoint;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Calls cancelled just as their answers arrive, as an aggregation's deadline cancels its parts: whichever wins, the
 * connection is pooled or closed, never left open with nobody reading its body.
 */
class CancelRaceTest {

    private static final CallOptions OPTIONS = new CallOptions("race", Duration.ofSeconds(1), Duration.ofSeconds(2), 0);

    @Test
    void callsCancelledAsTheirAnswersArriveLeaveNoConnectionBehind() throws Exception {
        ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
        try (Backend backend = Backend.start(exchange -> exchange.getResponseSender().send("{\"ok\":true}"));
             PorticoServer server = PorticoServer.builder(Gateway.builder()
                     .idleConnectionTimeout(Duration.ofMillis(200))
                     .route(Route.any("/**").to(Upstream.of("app", backend.url()))).build()).port(0).start()) {
            Endpoint endpoint = Endpoint.of(URI.create(backend.url()));
            Request request = Request.builder("GET", "/race").header("Host", endpoint.authority()).build();
            List<CompletableFuture<Response>> calls = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                CompletableFuture<Response> call = server.upstreamClient().send(endpoint, request, OPTIONS)
                        .toCompletableFuture();
                call.thenAccept(response -> response.body().discard());
                timers.schedule(() -> call.cancel(false), ThreadLocalRandom.current().nextInt(0, 1500),
                        TimeUnit.MICROSECONDS);
                calls.add(call);
            }
            for (CompletableFuture<Response> call : calls) {
                call.handle((response, failure) -> null).get(10, TimeUnit.SECONDS);
            }

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (server.upstreamConnections() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(server.upstreamConnections()).as("connections left open once idle ones expired").isZero();
        } finally {
            timers.shutdownNow();
        }
    }
}
