package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.filter.Filters;
import dev.portico.core.upstream.Upstream;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Server-sent events and other slow responses through the gateway: each event reaches the client when the upstream
 * sends it, the route timeout bounds only the wait for the head, the body idle timeout bounds a stalled stream, and a
 * client that goes away ends the upstream's stream. The backend writes with blocking streams on worker threads. The
 * JDK's client asks for HTTP/2 by default: each test's first request upgrades its connection (h2c), and
 * {@link OverHttp11} runs them all again over HTTP/1.1.
 */
class ServerSentEventsTest {

    /** The same tests over HTTP/1.1. */
    static final class OverHttp11 extends ServerSentEventsTest {
        @Override
        HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
        }
    }

    private final HttpClient http = HttpClient.newBuilder().version(version()).build();
    private final CountDownLatch secondEvent = new CountDownLatch(1);
    private final CountDownLatch upstreamSawTheEnd = new CountDownLatch(1);
    private Backend backend;
    private PorticoServer gateway;

    HttpClient.Version version() {
        return HttpClient.Version.HTTP_2;
    }

    @BeforeEach
    void start() {
        backend = Backend.startBlocking(this::serve);
        Upstream events = Upstream.of("events", backend.url());
        gateway = PorticoServer.start(Gateway.builder()
                .bodyIdleTimeout(Duration.ofMillis(400))
                .route(Route.get("/mapped/**").filter(Filters.stripPrefix(1))
                        .filter((request, chain) -> chain.proceed(request).thenApply(response -> response.toBuilder()
                                .body(response.body().map(chunk -> chunk)).build()))
                        .to(events))
                .route(Route.get("/**").timeout(Duration.ofMillis(300)).to(events))
                .build(), "127.0.0.1", 0);
    }

    private void serve(HttpServerExchange exchange) throws Exception {
        exchange.startBlocking();
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/event-stream");
        OutputStream out = exchange.getOutputStream();
        switch (exchange.getRequestPath()) {
            case "/gated" -> { // the second event waits for the client to have seen the first
                event(out, "first");
                secondEvent.await(10, TimeUnit.SECONDS);
                event(out, "second");
            }
            case "/slow" -> { // a second long in all, far past the route timeout, a pause well within the idle one
                for (int i = 0; i < 10; i++) {
                    event(out, "tick " + i);
                    Thread.sleep(100);
                }
            }
            case "/stalled" -> {
                event(out, "only");
                Thread.sleep(5_000);
            }
            case "/endless" -> {
                try {
                    for (int i = 0; i < 500; i++) {
                        event(out, "tick " + i);
                        Thread.sleep(20);
                    }
                } catch (IOException gone) {
                    upstreamSawTheEnd.countDown();
                    return;
                }
            }
            default -> exchange.setStatusCode(404);
        }
        out.close();
    }

    private static void event(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @AfterEach
    void stop() {
        gateway.stop(Duration.ZERO);
        backend.close();
    }

    private HttpResponse<java.util.stream.Stream<String>> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofLines());
    }

    @Test
    void deliversEachEventWhenTheUpstreamSendsIt() throws Exception {
        HttpResponse<java.util.stream.Stream<String>> response = get("/gated");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream");
        java.util.Iterator<String> lines = response.body().iterator();

        assertThat(lines.next()).isEqualTo("data: first"); // before the upstream has even written the second
        secondEvent.countDown();
        assertThat(lines.next()).isEmpty();
        assertThat(lines.next()).isEqualTo("data: second");
    }

    @Test
    void deliversEachEventOfABodyAFilterMapsWhenTheUpstreamSendsIt() throws Exception {
        HttpResponse<java.util.stream.Stream<String>> response = get("/mapped/gated");
        java.util.Iterator<String> lines = response.body().iterator();

        assertThat(lines.next()).isEqualTo("data: first");
        secondEvent.countDown();
        assertThat(lines.next()).isEmpty();
        assertThat(lines.next()).isEqualTo("data: second");
    }

    @Test
    void boundsOnlyTheWaitForTheHeadByTheRouteTimeout() throws Exception {
        HttpResponse<java.util.stream.Stream<String>> response = get("/slow");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body().filter(line -> !line.isEmpty()).toList())
                .hasSize(10).last().isEqualTo("data: tick 9");
    }

    @Test
    void cutsAStreamThatStallsPastTheBodyIdleTimeout() throws Exception {
        long started = System.nanoTime();
        HttpResponse<java.util.stream.Stream<String>> response = get("/stalled");
        java.util.Iterator<String> lines = response.body().iterator();
        assertThat(lines.next()).isEqualTo("data: only");
        assertThat(lines.next()).isEmpty();

        // the stream ends as a broken one (a truncated chunked body), about the idle timeout after the event
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> {
            while (lines.hasNext()) {
                lines.next();
            }
        })).isNotNull();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
    }

    @Test
    void aStopLetsAnOpenStreamFinishWithinTheDrainTimeout() throws Exception {
        HttpResponse<java.util.stream.Stream<String>> response = get("/slow");
        java.util.Iterator<String> lines = response.body().iterator();
        assertThat(lines.next()).isEqualTo("data: tick 0");

        java.util.concurrent.CompletableFuture<Boolean> drained =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> gateway.stop(Duration.ofSeconds(5)));
        java.util.List<String> rest = new java.util.ArrayList<>();
        lines.forEachRemaining(line -> {
            if (!line.isEmpty()) {
                rest.add(line);
            }
        });

        assertThat(rest).hasSize(9).last().isEqualTo("data: tick 9");
        assertThat(drained.get(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aClientThatGoesAwayEndsTheUpstreamsStream() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            socket.getOutputStream().write("GET /endless HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            for (String line = in.readLine(); !line.contains("data: tick 0"); line = in.readLine()) {
                assertThat(line).isNotNull();
            }
        }

        assertThat(upstreamSawTheEnd.await(5, TimeUnit.SECONDS)).as("the upstream's writes failed").isTrue();
        for (int i = 0; i < 200 && gateway.inFlight() > 0; i++) {
            Thread.sleep(10);
        }
        assertThat(gateway.inFlight()).isZero();
    }
}
