package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import io.undertow.util.Headers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class ProxyTest {

    private final HttpClient http = HttpClient.newHttpClient();
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

    private void proxyTo(Backend backend) {
        this.backend = backend;
        Upstream upstream = Upstream.of("backend", backend.url());
        gateway = PorticoServer.start(Gateway.builder().route(Route.any("/**").to(upstream)).build(), "127.0.0.1", 0);
    }

    private URI uri(String target) {
        return URI.create("http://127.0.0.1:" + gateway.port() + target);
    }

    @Test
    void forwardsRequestAndReturnsTheBackendsResponse() throws Exception {
        AtomicReference<String> seen = new AtomicReference<>();
        proxyTo(Backend.start(exchange -> {
            seen.set(exchange.getRequestMethod() + " " + exchange.getRequestURI() + "?" + exchange.getQueryString());
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
            exchange.getResponseHeaders().put(io.undertow.util.HttpString.tryFromString("X-Backend"), "yes");
            exchange.getResponseSender().send("{\"ok\":true}");
        }));

        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/a%20b/c?x=%2F&y=1+2")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"ok\":true}");
        assertThat(response.headers().firstValue("X-Backend")).hasValue("yes");
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(seen.get()).isEqualTo("GET /a%20b/c?x=%2F&y=1+2");
    }

    @Test
    void keepsServingManySequentialRequestsOnPooledConnections() throws Exception {
        proxyTo(Backend.start(exchange -> exchange.getResponseSender().send(exchange.getRequestURI())));
        for (int i = 0; i < 200; i++) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/n/" + i)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.body()).isEqualTo("/n/" + i);
        }
    }

    @Test
    void streamsRequestBodyToTheBackend() throws Exception {
        proxyTo(Backend.start(exchange -> exchange.getRequestReceiver().receiveFullString(
                (ex, body) -> ex.getResponseSender().send("got " + body.length() + ":" + body.substring(0, 5)))));

        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/upload"))
                .POST(HttpRequest.BodyPublishers.ofString("hello" + "x".repeat(100_000))).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("got 100005:hello");
    }

    @Test
    void refusedConnectionIs502Json() throws Exception {
        Backend dead = Backend.start(exchange -> { });
        int port = dead.port();
        dead.close();
        Upstream upstream = Upstream.of("gone", "http://127.0.0.1:" + port);
        gateway = PorticoServer.start(Gateway.builder().route(Route.any("/**").to(upstream)).build(), "127.0.0.1", 0);

        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/x")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).startsWith("{\"error\":\"bad_gateway\"");
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    }

    @Test
    void slowBackendIs504Json() throws Exception {
        backend = Backend.start(exchange -> exchange.dispatch(io.undertow.util.SameThreadExecutor.INSTANCE,
                () -> exchange.getIoThread().executeAfter(() -> exchange.getResponseSender().send("late"),
                        2000, java.util.concurrent.TimeUnit.MILLISECONDS)));
        Upstream upstream = Upstream.of("slow", backend.url());
        gateway = PorticoServer.start(Gateway.builder()
                .route(Route.any("/**").timeout(Duration.ofMillis(200)).to(upstream)).build(), "127.0.0.1", 0);

        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/x")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(response.body()).contains("gateway_timeout");
    }

    @Test
    void rejectsEncodedSlashWith400() throws Exception {
        proxyTo(Backend.start(exchange -> exchange.getResponseSender().send("reached")));
        RawHttp.Reply reply = RawHttp.send(gateway.port(), "GET /a%2Fb HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.body()).contains("bad_request");
    }

    @Test
    void responseTimeoutStartsOnceTheRequestBodyIsSent() throws Exception {
        backend = Backend.start(exchange -> exchange.getRequestReceiver().receiveFullString(
                (ex, body) -> ex.getResponseSender().send("got " + body.length())));
        gateway = PorticoServer.start(Gateway.builder()
                .route(Route.any("/**").timeout(Duration.ofMillis(300)).to(Upstream.of("b", backend.url()))).build(),
                "127.0.0.1", 0);

        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", gateway.port())) {
            socket.setSoTimeout(5000);
            java.io.OutputStream out = socket.getOutputStream();
            out.write("POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            for (int i = 0; i < 10; i++) { // one byte every 100 ms: the upload outlasts the 300 ms timeout
                out.write('x');
                out.flush();
                Thread.sleep(100);
            }
            RawHttp.Reply reply = RawHttp.read(socket.getInputStream());

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("got 10");
        }
    }
}
