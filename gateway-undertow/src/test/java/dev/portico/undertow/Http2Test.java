package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Handler;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import dev.portico.undertow.tls.ServerTls;
import io.undertow.server.HttpServerExchange;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** HTTP/2 through a PorticoServer with the JDK's client: over TLS by ALPN, and as h2c after an Upgrade. */
class Http2Test {

    /** How the client reaches HTTP/2. */
    enum Transport { ALPN, UPGRADE }

    @TempDir
    static Path dir;
    private static TestCertificates certificates;

    @AutoClose
    private final Closer closer = new Closer();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch uploadStarted = new CountDownLatch(1);
    private final CountDownLatch upstreamGone = new CountDownLatch(1);
    private final AtomicInteger concurrent = new AtomicInteger();
    private final AtomicInteger maxConcurrent = new AtomicInteger();
    private Backend backend;
    /** Every request path the backend was asked for, smuggled ones included. */
    private final List<String> paths = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void certificates() throws Exception {
        certificates = TestCertificates.make(dir, "localhost", "RSA");
    }

    @BeforeEach
    void start() {
        backend = closer.add(Backend.startBlocking(this::serve));
    }

    /** The backend: /stream holds its last bytes until released, /hold writes until its client is gone, /upload counts. */
    private void serve(HttpServerExchange exchange) throws IOException, InterruptedException {
        paths.add(exchange.getRequestPath());
        exchange.startBlocking();
        int now = concurrent.incrementAndGet();
        maxConcurrent.accumulateAndGet(now, Math::max);
        try {
            switch (exchange.getRequestPath()) {
                case "/stream" -> {
                    OutputStream out = exchange.getOutputStream();
                    out.write("first\n".getBytes());
                    out.flush();
                    release.await(10, TimeUnit.SECONDS);
                    out.write("last\n".getBytes());
                }
                case "/hold" -> {
                    OutputStream out = exchange.getOutputStream();
                    try {
                        for (int i = 0; i < 400; i++) {
                            out.write("tick\n".getBytes());
                            out.flush();
                            Thread.sleep(25);
                        }
                    } catch (IOException gone) {
                        upstreamGone.countDown();
                    }
                }
                case "/upload" -> {
                    long total = 0;
                    byte[] buffer = new byte[8192];
                    try (InputStream in = exchange.getInputStream()) {
                        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                            total += n;
                            uploadStarted.countDown();
                        }
                    }
                    exchange.getOutputStream().write(Long.toString(total).getBytes());
                }
                default -> exchange.getOutputStream().write(("ok " + exchange.getRequestPath()).getBytes());
            }
        } finally {
            concurrent.decrementAndGet();
            exchange.endExchange();
        }
    }

    private PorticoServer serve(Transport transport, Gateway.Builder gateway, int maxStreams) throws Exception {
        PorticoServer.Builder server = PorticoServer.builder(gateway.build()).port(0).maxConcurrentStreams(maxStreams);
        if (transport == Transport.ALPN) {
            server.https(0, ServerTls.keyStore(certificates.keyStore(), TestCertificates.PASSWORD).build());
        }
        return closer.add(server.start());
    }

    private Gateway.Builder gateway() {
        return Gateway.builder().route(Route.any("/limited/**").maxBodySize(1000).to(Upstream.of("b", backend.url())))
                .route(Route.any("/**").maxBodySize(1L << 30).to(Upstream.of("b", backend.url())));
    }

    /** A client on one HTTP/2 connection to the server: for h2c, upgraded by a first bodiless request. */
    private Client client(Transport transport, PorticoServer server) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .sslContext(TestCertificates.trusting(certificates)).build();
        String base = transport == Transport.ALPN ? "https://localhost:" + server.httpsPort()
                : "http://localhost:" + server.port();
        Client client = new Client(http, base);
        HttpResponse<String> first = client.get("/warm-up");
        assertThat(first.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(first.body()).isEqualTo("ok /warm-up");
        return client;
    }

    private record Client(HttpClient http, String base) {
        HttpResponse<String> get(String path) throws Exception {
            return http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
        }

        HttpRequest.Builder request(String path) {
            return HttpRequest.newBuilder(URI.create(base + path));
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void streamsAResponseBodyBeforeTheUpstreamSendsItsLastBytes(Transport transport) throws Exception {
        Client client = client(transport, serve(transport, gateway(), 100));

        HttpResponse<InputStream> response = client.http().send(client.request("/stream").build(),
                HttpResponse.BodyHandlers.ofInputStream());
        byte[] first = response.body().readNBytes(6);
        release.countDown();

        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(new String(first)).isEqualTo("first\n");
        assertThat(new String(response.body().readAllBytes())).isEqualTo("last\n");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void appliesTheGatewaysLimitsToEachStream(Transport transport) throws Exception {
        Client client = client(transport, serve(transport, gateway().maxHeaderSize(4096), 100));

        HttpResponse<String> tooLarge = client.http().send(client.request("/limited/x")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[5000])).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> headers = client.http().send(client.request("/x").header("X-Big", "v".repeat(6000)).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> dotSegment = client.get("/a/%2e%2e/b");
        HttpResponse<String> fine = client.get("/after");

        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(tooLarge.body()).contains("\"error\":\"payload_too_large\"");
        assertThat(headers.statusCode()).isEqualTo(431);
        assertThat(headers.body()).contains("\"error\":\"request_header_fields_too_large\"");
        assertThat(dotSegment.statusCode()).isEqualTo(400);
        assertThat(dotSegment.body()).contains("\"error\"");
        assertThat(fine.statusCode()).isEqualTo(200); // the connection goes on
        assertThat(fine.version()).isEqualTo(HttpClient.Version.HTTP_2);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void capsConcurrentRequestsAcrossStreamsWith503(Transport transport) throws Exception {
        Client client = client(transport, serve(transport, gateway().maxConcurrentRequests(1), 100));
        HttpResponse<InputStream> held = client.http().send(client.request("/stream").build(),
                HttpResponse.BodyHandlers.ofInputStream());
        held.body().readNBytes(6);

        HttpResponse<String> refused = client.get("/x");
        release.countDown();

        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.body()).contains("\"error\":\"service_unavailable\"");
        assertThat(new String(held.body().readAllBytes())).isEqualTo("last\n");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aClientResetMidStreamCancelsTheUpstreamCall(Transport transport) throws Exception {
        Client client = client(transport, serve(transport, gateway(), 100));
        HttpResponse<InputStream> response = client.http().send(client.request("/hold").build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(new String(response.body().readNBytes(5))).isEqualTo("tick\n");

        response.body().close(); // the JDK's client resets the stream

        assertThat(upstreamGone.await(8, TimeUnit.SECONDS)).isTrue();
        assertThat(client.get("/after").statusCode()).isEqualTo(200);
    }

    /** How a bare client reaches HTTP/2: over TLS by ALPN, or in cleartext with prior knowledge. */
    enum RawTransport { ALPN, PRIOR_KNOWLEDGE }

    private RawH2 raw(RawTransport transport, PorticoServer server) throws Exception {
        return closer.add(transport == RawTransport.ALPN
                ? new RawH2(server.httpsPort(), TestCertificates.trusting(certificates)) : new RawH2(server.port(), null));
    }

    private PorticoServer serve(RawTransport transport, Gateway.Builder gateway, int maxStreams) throws Exception {
        return serve(transport == RawTransport.ALPN ? Transport.ALPN : Transport.UPGRADE, gateway, maxStreams);
    }

    private static String[] get(String path, String scheme) {
        return new String[] {":method", "GET", ":scheme", scheme, ":authority", "localhost", ":path", path};
    }

    @ParameterizedTest
    @EnumSource(RawTransport.class)
    void streamsARequestBodyBeforeTheClientSendsItsLastBytes(RawTransport transport) throws Exception {
        RawH2 h2 = raw(transport, serve(transport, gateway(), 100));

        h2.headers(1, false, ":method", "POST", ":scheme", "http", ":authority", "localhost", ":path", "/upload");
        h2.data(1, new byte[10_000], false);
        assertThat(uploadStarted.await(10, TimeUnit.SECONDS)).isTrue(); // the upstream reads while the client writes
        h2.data(1, new byte[5_000], true);

        assertThat(h2.body(1)).isEqualTo("15000");
    }

    @ParameterizedTest
    @EnumSource(RawTransport.class)
    void streamsAResponseAndAResetStreamCancelsItsUpstreamCall(RawTransport transport) throws Exception {
        RawH2 h2 = raw(transport, serve(transport, gateway(), 100));

        h2.headers(1, true, get("/stream", "https"));
        RawH2.Frame first = h2.read();
        while (first.type() != RawH2.DATA) {
            first = h2.read();
        }
        release.countDown(); // only now may the upstream send its last bytes
        String rest = h2.body(1);
        h2.headers(3, true, get("/hold", "https"));
        RawH2.Frame tick = h2.read();
        while (tick.type() != RawH2.DATA || tick.stream() != 3) {
            tick = h2.read();
        }
        h2.reset(3);

        assertThat(new String(first.payload())).isEqualTo("first\n");
        assertThat(rest).isEqualTo("last\n");
        assertThat(upstreamGone.await(8, TimeUnit.SECONDS)).isTrue();
        h2.headers(5, true, get("/after", "https"));
        assertThat(h2.body(5)).isEqualTo("ok /after");
    }

    @Test
    void streamsBothWaysOnAConnectionUpgradedFromHttp11() throws Exception {
        RawH2 h2 = closer.add(RawH2.upgraded(serve(Transport.UPGRADE, gateway(), 100).port(), "/warm-up"));
        assertThat(h2.body(1)).isEqualTo("ok /warm-up"); // the upgraded request, answered on stream 1

        h2.headers(3, false, ":method", "POST", ":scheme", "http", ":authority", "localhost", ":path", "/upload");
        h2.data(3, new byte[10_000], false);
        assertThat(uploadStarted.await(10, TimeUnit.SECONDS)).isTrue(); // the upstream reads while the client writes
        h2.data(3, new byte[5_000], true);
        assertThat(h2.body(3)).isEqualTo("15000");

        h2.headers(5, true, get("/stream", "http"));
        RawH2.Frame first = h2.read();
        while (first.type() != RawH2.DATA || first.stream() != 5) {
            first = h2.read();
        }
        assertThat(new String(first.payload())).isEqualTo("first\n"); // before the upstream may send its last bytes
        release.countDown();
        assertThat(h2.body(5)).isEqualTo("last\n");
    }

    /** H2.CL: HTTP/2 checks content-length at the stream's end, after the bytes past it could reach the upstream. */
    @ParameterizedTest
    @EnumSource(RawTransport.class)
    void bytesPastAStreamsContentLengthNeverReachTheUpstream(RawTransport transport) throws Exception {
        RawH2 h2 = raw(transport, serve(transport, gateway(), 100));
        byte[] smuggling = ("hello" + "GET /smuggled HTTP/1.1\r\nHost: internal\r\nX-User-Id: admin\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);

        h2.headers(1, false, ":method", "POST", ":scheme", "https", ":authority", "localhost", ":path", "/upload",
                "content-length", "5");
        h2.data(1, smuggling, true);
        String answer;
        try {
            answer = h2.body(1);
        } catch (IOException reset) {
            answer = reset.getMessage();
        }
        h2.headers(3, true, get("/after", "https"));

        assertThat(answer).satisfiesAnyOf(a -> assertThat(a).contains("\"error\":\"bad_request\""),
                a -> assertThat(a).startsWith("stream reset"));
        assertThat(h2.body(3)).isEqualTo("ok /after");
        assertThat(paths).doesNotContain("/smuggled");
    }

    /** HPACK carries any octet: a stream's fields are held to the rules Undertow's HTTP/1.1 parser applies. */
    @ParameterizedTest
    @EnumSource(RawTransport.class)
    void fieldsAnHttp11HeadCouldNotCarryAreRefusedAndTheConnectionGoesOn(RawTransport transport) throws Exception {
        RawH2 h2 = raw(transport, serve(transport, gateway(), 100));
        String[][] attacks = {
                {"x-a", "a\r\nX-Injected: 1"}, {"x-a", "a\nb"}, {"x-a", "a\u0000b"}, {"x-a", "a\u0001b"},
                {"x-a", "a\u007fb"}, {"x-a", " padded"}, {"x-a", "padded\t"}, {"x-a:b", "1"}, {"x a", "1"},
                {":authority", "u@evil.example"}, {":authority", "evil.example/x"}, {":authority", ""},
                {":authority", "a b"}};
        Map<String, String> outcomes = new LinkedHashMap<>();
        int stream = 1;
        for (String[] attack : attacks) {
            boolean authority = attack[0].equals(":authority");
            h2.headers(stream, true, ":method", "GET", ":scheme", "https", ":authority",
                    authority ? attack[1] : "localhost", ":path", "/x", authority ? "x-ok" : attack[0], attack[1]);
            String outcome;
            try {
                String body = h2.body(stream);
                outcome = body.contains("\"error\":\"bad_request\"") ? "400" : body;
            } catch (IOException reset) { // Undertow's HPACK decoder resets some streams itself
                outcome = reset.getMessage().startsWith("stream reset") ? "reset" : reset.getMessage();
            }
            outcomes.put(attack[0] + ": " + attack[1], outcome);
            stream += 2;
        }
        h2.headers(stream, true, get("/after", "https"));

        assertThat(outcomes).allSatisfy((attack, outcome) -> assertThat(outcome).as(attack).isIn("400", "reset"));
        assertThat(outcomes).containsEntry("x-a: a\u0001b", "400").containsEntry(":authority: u@evil.example", "400");
        assertThat(h2.body(stream)).isEqualTo("ok /after");
        assertThat(paths).containsOnly("/after");
    }

    /** RFC 9113 8.2.2: Transfer-Encoding is connection-specific; and a valid one ends no other check. */
    @ParameterizedTest
    @EnumSource(RawTransport.class)
    void aStreamWithTransferEncodingIsNeverServed(RawTransport transport) throws Exception {
        RawH2 h2 = raw(transport, serve(transport, gateway(), 100));

        h2.headers(1, true, ":method", "GET", ":scheme", "https", ":authority", "u@evil.example", ":path", "/x",
                "transfer-encoding", "chunked");
        String outcome;
        try {
            outcome = h2.body(1);
        } catch (IOException refused) { // Undertow may reset the stream or close the connection first
            outcome = "refused";
        }

        assertThat(outcome).satisfiesAnyOf(o -> assertThat(o).contains("\"error\":\"bad_request\""),
                o -> assertThat(o).isEqualTo("refused"));
        assertThat(paths).isEmpty();
    }

    /** RFC 9113 8.2.3: a client may split Cookie into fields, which go to an HTTP/1.1 upstream as one again. */
    @ParameterizedTest
    @EnumSource(RawTransport.class)
    void splitCookieFieldsReachTheUpstreamAsOne(RawTransport transport) throws Exception {
        RawH2 h2 = raw(transport, serve(transport, Gateway.builder()
                .route(Route.any("/**").to(Upstream.of("echo", closer.add(Backend.start(new EchoHandler())).url()))), 100));

        h2.headers(1, true, ":method", "GET", ":scheme", "https", ":authority", "localhost", ":path", "/x",
                "cookie", "a=1", "cookie", "b=2", "cookie", "c=3");

        assertThat(h2.body(1)).contains("\"cookie\":[\"a=1; b=2; c=3\"]");
    }

    @ParameterizedTest
    @EnumSource(RawTransport.class)
    void limitsARequestBodyWithoutContentLengthAsItArrives(RawTransport transport) throws Exception {
        RawH2 h2 = raw(transport, serve(transport, gateway(), 100));

        h2.headers(1, false, ":method", "POST", ":scheme", "https", ":authority", "localhost", ":path", "/limited/x");
        h2.data(1, new byte[800], false);
        h2.data(1, new byte[800], false);
        String refused = h2.body(1);
        h2.headers(3, true, get("/after", "https"));

        assertThat(refused).contains("\"error\":\"payload_too_large\"");
        assertThat(h2.body(3)).isEqualTo("ok /after");
    }

    @ParameterizedTest
    @EnumSource(RawTransport.class)
    void theListenerNotTheClientsSchemeIsForwarded(RawTransport transport) throws Exception {
        RawH2 h2 = raw(transport, serve(transport, Gateway.builder()
                .route(Route.any("/**").to(Upstream.of("echo", closer.add(Backend.start(new EchoHandler())).url()))), 100));

        h2.headers(1, true, get("/x", transport == RawTransport.ALPN ? "http" : "https"));

        assertThat(h2.body(1)).contains("\"x-forwarded-proto\":[\"" + (transport == RawTransport.ALPN ? "https" : "http") + "\"]");
    }

    @ParameterizedTest
    @EnumSource(RawTransport.class)
    void aRequestKnowsItCameOverHttp2(RawTransport transport) throws Exception {
        Handler version = (request, context) -> CompletableFuture.completedFuture(
                Response.text(200, request.httpVersion()));
        RawH2 h2 = raw(transport, serve(transport, Gateway.builder().route(Route.get("/version").handler(version)), 100));

        h2.headers(1, true, get("/version", transport == RawTransport.ALPN ? "https" : "http"));

        assertThat(h2.body(1)).isEqualTo("2"); // as OpenTelemetry's network.protocol.version writes it
    }

    @ParameterizedTest
    @EnumSource(RawTransport.class)
    void refusesAStreamOverTheConnectionsBoundWith503(RawTransport transport) throws Exception {
        RawH2 h2 = raw(transport, serve(transport, gateway(), 2));

        h2.headers(1, true, get("/stream", "https"));
        h2.headers(3, true, get("/stream", "https"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (concurrent.get() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        h2.headers(5, true, get("/stream", "https"));
        String refused = h2.body(5);
        release.countDown();

        assertThat(refused).contains("\"error\":\"service_unavailable\"").contains("2 streams");
        assertThat(h2.body(1)).isEqualTo("first\nlast\n");
        assertThat(h2.body(3)).isEqualTo("first\nlast\n");
        assertThat(maxConcurrent.get()).isEqualTo(2);
        h2.headers(7, true, get("/after", "https"));
        assertThat(h2.body(7)).isEqualTo("ok /after"); // the bound counts streams in flight, not streams ever
    }

    @ParameterizedTest
    @EnumSource(RawTransport.class)
    void aStopLetsOpenStreamsFinishThenSendsGoaway(RawTransport transport) throws Exception {
        PorticoServer server = serve(transport, gateway(), 100);
        RawH2 h2 = raw(transport, server);
        RawH2 idle = raw(transport, server);
        h2.headers(1, true, get("/stream", "https"));
        idle.headers(1, true, get("/x", "https"));
        assertThat(idle.body(1)).isEqualTo("ok /x");
        RawH2.Frame frame = h2.read();
        while (frame.type() != RawH2.DATA) {
            frame = h2.read();
        }

        CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(() -> server.stop(Duration.ofSeconds(10)));
        RawH2.Frame idleGoaway = idle.read();
        while (idleGoaway.type() != RawH2.GOAWAY) {
            idleGoaway = idle.read();
        }
        h2.headers(3, true, get("/late", "https"));
        String late = h2.body(3);
        release.countDown();
        String rest = h2.body(1);
        RawH2.Frame goaway = h2.read();
        while (goaway.type() != RawH2.GOAWAY) {
            goaway = h2.read();
        }

        assertThat(ByteBuffer.wrap(idleGoaway.payload()).getInt(4)).isEqualTo(0); // NO_ERROR, at once: nothing open
        assertThat(late).contains("\"error\":\"service_unavailable\"");
        assertThat(rest).isEqualTo("last\n");
        assertThat(ByteBuffer.wrap(goaway.payload()).getInt(0)).isEqualTo(3); // the last stream it took
        assertThat(ByteBuffer.wrap(goaway.payload()).getInt(4)).isEqualTo(0);
        assertThat(stopped.get(10, TimeUnit.SECONDS)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(RawTransport.class)
    void answersAnOversizedHeaderListWith431AndGoesOn(RawTransport transport) throws Exception {
        RawH2 h2 = raw(transport, serve(transport, gateway().maxHeaderSize(4096), 100));
        String[] large = new String[8 + 2 * 60];
        System.arraycopy(get("/x", "https"), 0, large, 0, 8);
        for (int i = 0; i < 60; i++) {
            large[8 + 2 * i] = "x-h" + i;
            large[9 + 2 * i] = "v".repeat(100);
        }

        h2.headers(1, true, large); // 6 KB decoded: over the gateway's 4 KiB, under the parser's bound
        String refused = h2.body(1);
        h2.headers(3, true, get("/after", "https"));

        assertThat(refused).contains("\"error\":\"request_header_fields_too_large\"");
        assertThat(h2.body(3)).isEqualTo("ok /after");
    }

    @ParameterizedTest
    @EnumSource(RawTransport.class)
    void anHpackBombIsNotServedAndTheGatewayGoesOn(RawTransport transport) throws Exception {
        PorticoServer server = serve(transport, gateway().maxHeaderSize(4096), 100);
        RawH2 h2 = raw(transport, server);
        java.io.ByteArrayOutputStream bomb = new java.io.ByteArrayOutputStream();
        for (String[] field : new String[][] {{":method", "GET"}, {":scheme", "https"}, {":authority", "localhost"},
                {":path", "/bomb"}}) {
            bomb.write(0);
            bomb.write(field[0].length());
            bomb.writeBytes(field[0].getBytes());
            bomb.write(field[1].length());
            bomb.writeBytes(field[1].getBytes());
        }
        bomb.write(0x40); // literal with incremental indexing: it enters the dynamic table as entry 62
        bomb.write(6);
        bomb.writeBytes("x-bomb".getBytes());
        bomb.writeBytes(new byte[] {0x7f, (byte) 0x81, 0x1e}); // a value of 127 + 3969 = 4096 bytes
        bomb.writeBytes("a".repeat(4096).getBytes());
        for (int i = 0; i < 1000; i++) {
            bomb.write(0x80 | 62); // one byte each, 4 KB decoded each: 4 MB from a 5 KB block
        }

        h2.frame(RawH2.HEADERS, 5, 1, bomb.toByteArray());
        String outcome;
        try {
            outcome = h2.body(1);
        } catch (IOException reset) {
            outcome = "reset: " + reset;
        }

        assertThat(outcome).startsWith("reset: "); // the connection is closed, nothing was served
        assertThat(concurrent.get() + maxConcurrent.get()).isZero();
        try (RawH2 next = raw(transport, server)) {
            next.headers(1, true, get("/after", "https"));
            assertThat(next.body(1)).isEqualTo("ok /after");
        }
    }
}
