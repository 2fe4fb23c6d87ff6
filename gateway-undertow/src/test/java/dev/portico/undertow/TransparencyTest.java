package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The backend's responses come back unchanged: status, headers, framing and bodies, over raw sockets. */
class TransparencyTest {

    private Backend backend;
    private PorticoServer gateway;

    @BeforeEach
    void start() {
        backend = Backend.start(TransparencyTest::answer);
        gateway = PorticoServer.start(Gateway.builder()
                .route(Route.any("/**").to(Upstream.of("b", backend.url()))).build(), "127.0.0.1", 0);
    }

    private static void answer(HttpServerExchange exchange) {
        String path = exchange.getRequestPath();
        exchange.getResponseHeaders().put(HttpString.tryFromString("X-Path"), path);
        switch (path) {
            case "/no-content" -> {
                exchange.setStatusCode(204);
                exchange.endExchange();
            }
            case "/not-modified" -> {
                exchange.setStatusCode(304);
                exchange.getResponseHeaders().put(Headers.ETAG, "\"v1\"");
                exchange.endExchange();
            }
            case "/empty" -> {
                exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, 0);
                exchange.endExchange();
            }
            case "/missing" -> {
                exchange.setStatusCode(404);
                exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/problem+json");
                exchange.getResponseSender().send("{\"title\":\"no such thing\"}");
            }
            case "/cookies" -> {
                exchange.getResponseHeaders().add(Headers.SET_COOKIE, "a=1");
                exchange.getResponseHeaders().add(Headers.SET_COOKIE, "b=2");
                exchange.getResponseSender().send("ok");
            }
            case "/chunked" -> exchange.dispatch(() -> {
                exchange.startBlocking();
                try (var out = exchange.getOutputStream()) {
                    for (int i = 0; i < 3; i++) {
                        out.write(("part" + i + ";").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            default -> {
                exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
                exchange.getResponseSender().send("hello from " + path);
            }
        }
    }

    @AfterEach
    void stop() {
        gateway.stop(Duration.ZERO);
        backend.close();
    }

    private RawHttp.Reply send(String method, String path) throws Exception {
        return RawHttp.send(gateway.port(), method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    }

    @Test
    void headKeepsTheContentLengthAndSendsNoBody() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(("HEAD /thing HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            String head = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(head).startsWith("HTTP/1.1 200").contains("Content-Length: 17\r\n");
            // the HEAD response carried no body: the next bytes are the second response's status line
            assertThat(head.substring(head.indexOf("\r\n\r\n") + 4)).startsWith("HTTP/1.1 200");
            assertThat(head).endsWith("hello from /after");
        }
    }

    @Test
    void noContentPassesThroughWithoutABody() throws Exception {
        RawHttp.Reply reply = send("GET", "/no-content");
        assertThat(reply.status()).isEqualTo(204);
        assertThat(reply.body()).isEmpty();
        assertThat(reply.header("X-Path")).isEqualTo("/no-content");
    }

    @Test
    void notModifiedPassesThroughWithItsValidators() throws Exception {
        RawHttp.Reply reply = send("GET", "/not-modified");
        assertThat(reply.status()).isEqualTo(304);
        assertThat(reply.header("ETag")).isEqualTo("\"v1\"");
        assertThat(reply.body()).isEmpty();
    }

    @Test
    void emptyBodyStaysEmpty() throws Exception {
        RawHttp.Reply reply = send("GET", "/empty");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("Content-Length")).isEqualTo("0");
        assertThat(reply.body()).isEmpty();
    }

    @Test
    void backendErrorsPassThroughUnchanged() throws Exception {
        RawHttp.Reply reply = send("GET", "/missing");
        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(reply.body()).isEqualTo("{\"title\":\"no such thing\"}");
    }

    @Test
    void repeatedHeadersKeepEveryValue() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            socket.getOutputStream().write("GET /cookies HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            String raw = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(raw).contains("Set-Cookie: a=1\r\n").contains("Set-Cookie: b=2\r\n");
        }
    }

    @Test
    void chunkedResponseStaysChunkedWithTheSameContent() throws Exception {
        RawHttp.Reply reply;
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) { // keep-alive: chunked rather than close-delimited
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            reply = RawHttp.read(socket.getInputStream());
        }
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("Transfer-Encoding")).isEqualTo("chunked");
        assertThat(reply.body()).isEqualTo("part0;part1;part2;");
    }

    @Test
    void keepAliveConnectionServesPipelinedRequestsInOrder() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(("GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            assertThat(RawHttp.read(in).body()).isEqualTo("hello from /one");
            assertThat(RawHttp.read(in).body()).isEqualTo("hello from /two");
            assertThat(RawHttp.read(in).body()).isEqualTo("hello from /three");
        }
    }
}
