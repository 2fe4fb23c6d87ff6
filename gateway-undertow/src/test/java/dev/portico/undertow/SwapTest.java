package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Handler;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** Swapping the gateway a server serves: new requests take the new one, in-flight ones finish on the old one. */
class SwapTest {

    @Test
    void newRequestsUseTheNewGatewayWhileInFlightOnesFinishOnTheOld() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean oldClosed = new AtomicBoolean();
        AtomicBoolean newClosed = new AtomicBoolean();
        Gateway first = Gateway.builder()
                .resource(() -> oldClosed.set(true))
                .route(Route.get("/who").handler(Handler.sync((request, context) -> Response.text(200, "first"))))
                .route(Route.get("/slow").handler((request, context) -> CompletableFuture.supplyAsync(() -> {
                    await(release);
                    return Response.text(200, "first, slowly");
                })))
                .build();
        Gateway second = Gateway.builder()
                .resource(() -> newClosed.set(true))
                .route(Route.get("/who").handler(Handler.sync((request, context) -> Response.text(200, "second"))))
                .build();
        try (PorticoServer server = PorticoServer.builder(first).port(0).drainTimeout(Duration.ofSeconds(5)).start();
             Socket slow = new Socket("127.0.0.1", server.port())) {
            slow.setSoTimeout(10_000);
            slow.getOutputStream().write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (server.inFlight() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }

            CompletionStage<Void> retired = server.swap(second);

            assertThat(RawHttp.send(server.port(), "GET /who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").body())
                    .isEqualTo("second");
            assertThat(server.gateway()).isSameAs(second);
            Thread.sleep(100);
            assertThat(retired.toCompletableFuture()).as("the old gateway still has a request in flight").isNotDone();
            assertThat(oldClosed).isFalse();

            release.countDown();
            InputStream in = slow.getInputStream();
            assertThat(RawHttp.read(in).body()).isEqualTo("first, slowly");
            retired.toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(oldClosed).as("the old gateway is closed once drained").isTrue();
            assertThat(newClosed).isFalse();
        }
        assertThat(newClosed).as("stopping the server closes the gateway it serves").isTrue();
    }

    @Test
    void idleConnectionsToAnUpstreamTheNewGatewayDropsAreClosedOnceTheOldGatewayHasDrained() throws Exception {
        try (Backend a = Backend.start(exchange -> exchange.getResponseSender().send("a"));
             Backend b = Backend.start(exchange -> exchange.getResponseSender().send("b"))) {
            Gateway first = Gateway.builder().idleConnectionTimeout(Duration.ofSeconds(60))
                    .route(Route.get("/who").to(Upstream.of("a", a.url()))).build();
            Gateway second = Gateway.builder().idleConnectionTimeout(Duration.ofSeconds(60))
                    .route(Route.get("/who").to(Upstream.of("b", b.url()))).build();
            try (PorticoServer server = PorticoServer.builder(first).port(0).start()) {
                assertThat(RawHttp.send(server.port(), "GET /who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").body())
                        .isEqualTo("a");
                assertThat(server.upstreamConnections()).as("a's connection, idle in the pool").isEqualTo(1);

                server.swap(second).toCompletableFuture().get(5, TimeUnit.SECONDS);
                assertThat(RawHttp.send(server.port(), "GET /who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").body())
                        .isEqualTo("b");

                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (server.upstreamConnections() > 1 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(server.upstreamConnections()).as("only b's connection; a's was closed, not left to idle out")
                        .isEqualTo(1);
            }
        }
    }

    @Test
    void aSwapToNewUpstreamObjectsForTheSameUrlKeepsTheIdleConnection() throws Exception {
        // the backend answers with the client port of the connection: the same port means the same connection
        try (Backend a = Backend.start(exchange -> exchange.getResponseSender()
                .send(String.valueOf(exchange.getSourceAddress().getPort())))) {
            Gateway first = Gateway.builder().idleConnectionTimeout(Duration.ofSeconds(60))
                    .route(Route.get("/who").to(Upstream.of("a", a.url()))).build();
            Gateway reloaded = Gateway.builder().idleConnectionTimeout(Duration.ofSeconds(60))
                    .route(Route.get("/who").to(Upstream.of("a", a.url()))).build(); // a reload: same URL
            // one IO thread: idle connections are pooled per IO thread, and the next request must find this one
            try (PorticoServer server = PorticoServer.builder(first).port(0).ioThreads(1).start()) {
                String who = "GET /who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
                String before = RawHttp.send(server.port(), who).body();
                assertThat(server.upstreamConnections()).as("a's connection, idle in the pool").isEqualTo(1);

                server.swap(reloaded).toCompletableFuture().get(5, TimeUnit.SECONDS);
                Thread.sleep(100); // a retirement runs on the connection's IO thread: give it the time to close it

                assertThat(server.upstreamConnections()).as("the idle connection to the same instance survives")
                        .isEqualTo(1);
                assertThat(RawHttp.send(server.port(), who).body()).as("the call after the swap reuses the connection")
                        .isEqualTo(before);
            }
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
