package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.edge.SecurityHeaders;
import dev.portico.core.upstream.Upstream;
import io.undertow.Undertow;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The HTTP version check of {@link PorticoServer} connections over real sockets: a request line whose version is
 * not exactly HTTP/1.0 or HTTP/1.1 gets 505 JSON and is never routed, first on its connection or behind requests of
 * every framing, sent one by one or pipelined; HTTP/1.0 and 1.1 are served on the same paths, and request lines
 * inside bodies are only bodies.
 */
class VersionGuardSocketTest {

    private static final String BOGUS = "GET /api/items HTTP/9.9\r\nHost: x\r\n\r\n";

    /** First requests of every framing the gateway accepts, each with a request line of a bad version in its body. */
    private static final List<String> FIRST = List.of(
            "GET /api/items HTTP/1.1\r\nHost: x\r\n\r\n",
            "POST /api/items HTTP/1.1\r\nHost: x\r\nContent-Length: " + BOGUS.length() + "\r\n\r\n" + BOGUS,
            "POST /api/items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5;name=\"value\"\r\nhello\r\n"
                    + Integer.toHexString(BOGUS.length()) + "\r\n" + BOGUS + "\r\n"
                    + "0;last\r\nX-Trailer: GET /api/items HTTP/9.9\r\nX-Other: 1\r\n\r\n");

    private final List<String> reached = new CopyOnWriteArrayList<>();
    private Backend backend;
    private PorticoServer server;

    @BeforeEach
    void start() {
        backend = Backend.start(exchange -> exchange.getRequestReceiver().receiveFullString((ex, body) -> {
            reached.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " " + body.length());
            ex.getResponseSender().send("reached");
        }));
        server = PorticoServer.start(Gateway.builder()
                .edgeFilter(SecurityHeaders.builder().contentTypeOptions().build())
                .route(Route.any("/api/items").to(Upstream.of("b", backend.url())))
                .build(), "127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        server.stop(Duration.ZERO);
        backend.close();
    }

    static Stream<Arguments> secondRequests() {
        List<Arguments> cases = new ArrayList<>();
        for (String first : FIRST) {
            for (String version : List.of("HTTP/1.2", "HTTP/3.0", "HTTP/9.9", "HTTP/0.9", "HTTP/1.0", "HTTP/1.1")) {
                for (boolean pipelined : new boolean[] {false, true}) {
                    cases.add(arguments(first.substring(0, first.indexOf(' ', 5)) + " ..." , first, version, pipelined));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} then {2}, pipelined: {3}")
    @MethodSource("secondRequests")
    void judgesTheSecondRequestsVersionBehindAnyFraming(String name, String first, String version, boolean pipelined)
            throws Exception {
        boolean served = version.equals("HTTP/1.0") || version.equals("HTTP/1.1");
        String second = "GET /api/items " + version + "\r\nHost: x\r\nConnection: close\r\n\r\n";

        List<RawHttp.Reply> replies = pipelined ? exchange(first + second) : exchange(first, second);

        assertThat(replies).hasSize(2);
        assertThat(replies.get(0).status()).isEqualTo(200);
        assertThat(replies.get(0).body()).isEqualTo("reached");
        if (served) {
            assertThat(replies.get(1).status()).isEqualTo(200);
            assertThat(reached).hasSize(2);
        } else {
            assertRefused(replies.get(1));
            assertThat(reached).hasSize(1);
        }
        String expectedBody = first.startsWith("GET") ? " 0" : first.contains("chunked") ? " " + (5 + BOGUS.length()) : " " + BOGUS.length();
        assertThat(reached.get(0)).isEqualTo(first.substring(0, first.indexOf(' ')) + " /api/items" + expectedBody);
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.2", "HTTP/3.0", "HTTP/9.9", "HTTP/0.9"})
    void refusesTheFirstRequestOfAConnection(String version) throws Exception {
        List<RawHttp.Reply> replies = exchange("GET /api/items " + version + "\r\nHost: x\r\n\r\n");

        assertThat(replies).singleElement().satisfies(VersionGuardSocketTest::assertRefused);
        assertThat(reached).isEmpty();
    }

    @Test
    void nothingPipelinedBehindARefusedRequestIsServed() throws Exception {
        List<RawHttp.Reply> replies = exchange(FIRST.get(1) + "GET /api/items HTTP/3.0\r\nHost: x\r\n\r\n" + FIRST.get(0));

        assertThat(replies).extracting(RawHttp.Reply::status).containsExactly(200, 505);
        assertThat(reached).containsExactly("POST /api/items " + BOGUS.length());
    }

    @Test
    void servesALongKeepAliveConnectionOfMixedFramings() throws Exception {
        String all = String.join("", FIRST) + String.join("", FIRST) + "GET /api/items HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

        List<RawHttp.Reply> replies = exchange(all.substring(0, all.length() / 2), all.substring(all.length() / 2));

        assertThat(replies).hasSize(7).allSatisfy(reply -> assertThat(reply.status()).isEqualTo(200));
        assertThat(reached).hasSize(7);
    }

    /**
     * Undertow answers a request without a valid {@code Host} itself, before the handler, and closes the connection:
     * the requests the handler counts never fall out of step with the heads the guard counts.
     */
    @ParameterizedTest
    @ValueSource(strings = {"", "Host: a\r\nHost: b\r\n", "Host: x:99999\r\n"})
    void aRequestUndertowAnswersItselfClosesTheConnection(String host) throws Exception {
        List<RawHttp.Reply> replies = exchange("GET /api/items HTTP/1.1\r\n" + host + "\r\n" + FIRST.get(0)
                + "GET /api/items HTTP/3.0\r\nHost: x\r\n\r\n" + FIRST.get(0));

        assertThat(replies).extracting(RawHttp.Reply::status).containsExactly(400);
        assertThat(reached).isEmpty();
    }

    /** A mounted handler has no connection setup to hook: Undertow's parser reads HTTP/3.0 as 1.1 before it runs. */
    @Test
    void aHandlerMountedInAnotherUndertowServerServesWhatItsParserReadsAsHttp11() throws Exception {
        PorticoHandler handler = PorticoHandler.of(Gateway.builder()
                .route(Route.any("/api/items").to(Upstream.of("b", backend.url()))).build());
        Undertow host = Undertow.builder().addHttpListener(0, "127.0.0.1").setHandler(handler).build();
        host.start();
        try {
            int port = ((InetSocketAddress) host.getListenerInfo().get(0).getAddress()).getPort();

            RawHttp.Reply reply = RawHttp.send(port, "GET /api/items HTTP/3.0\r\nHost: x\r\nConnection: close\r\n\r\n");

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reached).hasSize(1);
        } finally {
            host.stop();
            handler.close();
        }
    }

    private static void assertRefused(RawHttp.Reply reply) {
        assertThat(reply.status()).isEqualTo(505);
        assertThat(reply.header("Content-Type")).startsWith("application/json");
        assertThat(reply.bodyWithoutRequestId()).isEqualTo(
                "{\"error\":\"http_version_not_supported\",\"message\":\"only HTTP/1.0 and HTTP/1.1 are supported\"}");
        assertThat(reply.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(reply.header("Connection")).isEqualToIgnoringCase("close");
    }

    /**
     * Sends each part on one connection, reading the replies to a part before sending the next (the last part's
     * until the server closes), and returns all replies.
     */
    private List<RawHttp.Reply> exchange(String... parts) throws IOException {
        List<RawHttp.Reply> replies = new ArrayList<>();
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            for (int i = 0; i < parts.length; i++) {
                out.write(parts[i].getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                if (i < parts.length - 1) {
                    int expected = requests(parts[i]);
                    for (int r = 0; r < expected; r++) {
                        replies.add(RawHttp.read(in));
                    }
                }
            }
            for (RawHttp.Reply reply = RawHttp.read(in); reply.status() > 0; reply = RawHttp.read(in)) {
                replies.add(reply);
            }
        }
        return replies;
    }

    /** Counts the complete requests a part holds: its request lines that are not inside a body. */
    private static int requests(String part) {
        int n = 0;
        for (String first : FIRST) {
            for (int at = part.indexOf(first); at >= 0; at = part.indexOf(first, at + first.length())) {
                n++;
            }
        }
        return n;
    }
}
