package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

class EdgeSecurityTest {

    private final List<String> reached = new CopyOnWriteArrayList<>();
    private Backend backend;
    private PorticoServer gateway;

    @BeforeEach
    void start() {
        backend = Backend.start(exchange -> exchange.getRequestReceiver().receiveFullString((ex, body) -> {
            reached.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " " + body.length());
            ex.getResponseSender().send("reached " + body.length());
        }));
        gateway = PorticoServer.start(Gateway.builder()
                .requestHeaderTimeout(Duration.ofMillis(500))
                .route(Route.any("/big/**").maxBodySize(10 * 1024 * 1024).to(Upstream.of("b", backend.url())))
                .route(Route.any("/**").to(Upstream.of("b", backend.url())))
                .build(), "127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        gateway.stop(Duration.ZERO);
        backend.close();
    }

    private RawHttp.Reply get(String target) throws Exception {
        return RawHttp.send(gateway.port(), "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a/../b", "/a/%2e%2E/b", "/a/./b", "/a/%2e/b", "/%2e%2e", "/a//b", "/a%2Fb", "/a%2fb",
            "/a%5Cb", "/a%5cb", "/a%00b", "/a%0d%0aX:1", "/a%zz", "/a%", "/a%C3%28", "/a;jsessionid=1", "/a%3B%2F"})
    void rejectsAmbiguousPathsWith400BeforeAnyRoute(String target) throws Exception {
        RawHttp.Reply reply = get(target);

        assertThat(reply.status()).isEqualTo(400);
        if (!reply.body().isEmpty()) { // Undertow's parser refuses some targets itself, with an empty 400
            assertThat(reply.body()).contains("\"error\":\"bad_request\"").doesNotContain("Exception");
        }
        assertThat(reached).isEmpty();
    }

    @Test
    void rawBackslashNeverReachesTheBackend() throws Exception {
        RawHttp.Reply reply = get("/a\\..\\b");
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reached).isEmpty();
    }

    @Test
    void headersOverTheLimitGet431AndTheGatewayKeepsServing() throws Exception {
        String big = "X-Big: " + "a".repeat(17 * 1024) + "\r\n";
        RawHttp.Reply reply = RawHttp.send(gateway.port(), "GET /x HTTP/1.1\r\nHost: x\r\n" + big + "Connection: close\r\n\r\n");

        assertThat(reply.status()).isEqualTo(431);
        assertThat(reply.body()).contains("request_header_fields_too_large");
        assertThat(get("/x").status()).isEqualTo(200);
    }

    @Test
    void enormousHeadersAreRefusedByTheParser() throws Exception {
        String big = "X-Big: " + "a".repeat(200 * 1024) + "\r\n";
        RawHttp.Reply reply;
        try {
            reply = RawHttp.send(gateway.port(), "GET /x HTTP/1.1\r\nHost: x\r\n" + big + "\r\n");
        } catch (java.net.SocketException reset) {
            reply = null; // the server may close before reading everything: also a refusal
        }
        if (reply != null) {
            assertThat(reply.status()).isIn(-1, 400, 431);
        }
        assertThat(reached).isEmpty();
        assertThat(get("/x").status()).isEqualTo(200);
    }

    @Test
    void declaredBodyOverTheLimitGets413WithoutReachingTheBackend() throws Exception {
        RawHttp.Reply reply = RawHttp.send(gateway.port(), "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: "
                + (2 * 1024 * 1024) + "\r\nConnection: close\r\n\r\n" + "a".repeat(1000));

        assertThat(reply.status()).isEqualTo(413);
        assertThat(reply.body()).contains("payload_too_large");
        assertThat(reached).isEmpty();
    }

    @Test
    void chunkedBodyOverTheLimitGets413AndTheGatewayKeepsServing() throws Exception {
        StringBuilder request = new StringBuilder("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        String chunk = "a".repeat(64 * 1024);
        for (int i = 0; i < 20; i++) {
            request.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
        }
        request.append("0\r\n\r\n");

        RawHttp.Reply reply;
        try {
            reply = RawHttp.send(gateway.port(), request.toString());
        } catch (java.net.SocketException reset) {
            reply = null;
        }

        if (reply != null) {
            assertThat(reply.status()).isEqualTo(413);
        }
        assertThat(reached).allSatisfy(line -> assertThat(line).doesNotEndWith(" " + 20 * chunk.length()));
        assertThat(get("/x").status()).isEqualTo(200);
    }

    @Test
    void routeCanRaiseTheBodyLimit() throws Exception {
        String body = "a".repeat(3 * 1024 * 1024);
        RawHttp.Reply reply = RawHttp.send(gateway.port(), "POST /big/x HTTP/1.1\r\nHost: x\r\nContent-Length: "
                + body.length() + "\r\nConnection: close\r\n\r\n" + body);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo("reached " + body.length());
    }

    @Test
    void contentLengthWithTransferEncodingIsFramedByTheChunksOnly() throws Exception {
        String smuggle = "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(smuggle.getBytes(StandardCharsets.ISO_8859_1));
            RawHttp.Reply first = RawHttp.read(socket.getInputStream());
            assertThat(first.status()).isIn(200, 400);
            if (first.status() == 200) {
                assertThat(first.body()).isEqualTo("reached 0");
            }
        }
        assertThat(reached).noneMatch(line -> line.startsWith("POST") && !line.equals("POST /x 0"));
    }

    @Test
    void slowHeadersAreCutOffByTheHeaderTimeout() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /x HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            int read = socket.getInputStream().read();
            assertThat(read).isIn(-1, (int) 'H');
        }
        assertThat(reached).isEmpty();
    }
}
