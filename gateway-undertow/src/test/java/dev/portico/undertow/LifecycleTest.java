package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.util.SameThreadExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LifecycleTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private final CountDownLatch arrived = new CountDownLatch(1);
    private Backend backend;
    private PorticoServer gateway;

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.stop(Duration.ZERO);
        }
        if (backend != null) {
            backend.close();
        }
    }

    /** A backend that answers after {@code delayMillis}, on its IO thread's timer. */
    private Backend slowBackend(long delayMillis) {
        return Backend.start(exchange -> exchange.dispatch(SameThreadExecutor.INSTANCE, () -> {
            arrived.countDown();
            exchange.getIoThread().executeAfter(() -> exchange.getResponseSender().send("done"),
                    delayMillis, TimeUnit.MILLISECONDS);
        }));
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path)).build();
    }

    @Test
    void gracefulStopLetsInFlightRequestsFinishThenRefusesConnections() throws Exception {
        backend = slowBackend(500);
        gateway = PorticoServer.start(Gateway.builder()
                .route(Route.any("/**").to(Upstream.of("slow", backend.url()))).build(), "127.0.0.1", 0);
        int port = gateway.port();
        CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(get("/x"), HttpResponse.BodyHandlers.ofString());
        assertThat(arrived.await(5, TimeUnit.SECONDS)).isTrue();

        boolean drained = gateway.stop(Duration.ofSeconds(10));

        assertThat(drained).isTrue();
        assertThat(inFlight.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(inFlight.get().body()).isEqualTo("done");
        assertThatThrownBy(() -> new java.net.Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
    }

    @Test
    void stopTurnsNotReadyFirstAndKeepsServingNewConnectionsForTheShutdownDelay() throws Exception {
        backend = Backend.start(exchange -> exchange.getResponseSender().send("ok"));
        gateway = PorticoServer.builder(Gateway.builder()
                .route(Route.any("/**").to(Upstream.of("quick", backend.url()))).build())
                .port(0).shutdownDelay(Duration.ofSeconds(2)).start();
        int port = gateway.port();
        assertThat(gateway.ready()).isTrue();

        CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(() -> gateway.stop(Duration.ofSeconds(5)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (gateway.ready() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(gateway.ready()).isFalse();
        assertThat(stopped).isNotDone();
        HttpClient fresh = HttpClient.newHttpClient(); // a new connection: the listener still accepts
        HttpResponse<String> during = fresh.send(get("/x"), HttpResponse.BodyHandlers.ofString());

        assertThat(during.statusCode()).isEqualTo(200);
        assertThat(during.body()).isEqualTo("ok");
        assertThat(stopped.get(10, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> new java.net.Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
    }

    @Test
    void stopGivesUpOnRequestsThatOutlastTheDrainTimeout() throws Exception {
        backend = slowBackend(60_000);
        gateway = PorticoServer.start(Gateway.builder()
                .route(Route.any("/**").to(Upstream.of("hung", backend.url()))).build(), "127.0.0.1", 0);
        http.sendAsync(get("/x"), HttpResponse.BodyHandlers.ofString());
        assertThat(arrived.await(5, TimeUnit.SECONDS)).isTrue();

        assertThat(gateway.stop(Duration.ofMillis(200))).isFalse();
    }

    @Test
    void requestsOverTheConcurrencyCapGet503Json() throws Exception {
        backend = slowBackend(1000);
        gateway = PorticoServer.start(Gateway.builder().maxConcurrentRequests(1)
                .route(Route.any("/**").to(Upstream.of("slow", backend.url()))).build(), "127.0.0.1", 0);
        CompletableFuture<HttpResponse<String>> first = http.sendAsync(get("/x"), HttpResponse.BodyHandlers.ofString());
        assertThat(arrived.await(5, TimeUnit.SECONDS)).isTrue();

        HttpResponse<String> second = http.send(get("/y"), HttpResponse.BodyHandlers.ofString());

        assertThat(second.statusCode()).isEqualTo(503);
        assertThat(second.body()).contains("service_unavailable");
        assertThat(first.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    @Test
    void mountsUnderAPrefixOfAnExistingUndertowServer() throws Exception {
        backend = Backend.start(new EchoHandler());
        Gateway routes = Gateway.builder()
                .route(Route.get("/api/{name}").to(Upstream.of("echo", backend.url()))).build();
        PorticoHandler handler = PorticoHandler.of(routes);
        Undertow host = Undertow.builder().addHttpListener(0, "127.0.0.1")
                .setHandler(Handlers.path().addPrefixPath("/gw", handler)).build();
        host.start();
        try {
            int port = ((InetSocketAddress) host.getListenerInfo().get(0).getAddress()).getPort();
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/gw/api/a%20b?q=1")).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"target\":\"/api/a%20b?q=1\"");
        } finally {
            host.stop();
            handler.close();
        }
    }
}
