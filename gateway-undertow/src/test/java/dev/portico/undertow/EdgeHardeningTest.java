package dev.portico.undertow;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import io.undertow.util.HeaderValues;
import io.undertow.util.SameThreadExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client-facing hardening of the proxy path on real sockets: body limits for chunked uploads, the
 * Transfer-Encoding rules, the header count, stalled request bodies, client IP headers and {@code X-Forwarded-Port}.
 */
class EdgeHardeningTest {

    private static final long MIB = 1024 * 1024;

    /** What reached the backend: the method, the raw target, the headers (lower-cased names), the body's size and CRC. */
    record Reached(String method, String target, Map<String, List<String>> headers, int bodyLength, long crc) {
        String header(String name) {
            List<String> values = headers.get(name);
            return values == null ? null : String.join(",", values);
        }
    }

    private final List<Reached> reached = new CopyOnWriteArrayList<>();
    private final List<PorticoServer> gateways = new ArrayList<>();
    private Backend backend;

    @BeforeEach
    void start() {
        backend = Backend.start(exchange -> exchange.getRequestReceiver().receiveFullBytes((ex, body) -> {
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (HeaderValues values : ex.getRequestHeaders()) {
                headers.computeIfAbsent(values.getHeaderName().toString().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .addAll(values);
            }
            String query = ex.getQueryString();
            reached.add(new Reached(ex.getRequestMethod().toString(), ex.getRequestURI() + (query.isEmpty() ? "" : "?" + query),
                    headers, body.length, crc(body)));
            ex.getResponseSender().send("reached " + body.length);
        }));
    }

    @AfterEach
    void stop() {
        gateways.forEach(gateway -> gateway.stop(Duration.ZERO));
        backend.close();
    }

    /** Starts a gateway with these settings whose every path goes to the backend (unless routes were added). */
    private PorticoServer serve(Gateway.Builder builder) {
        PorticoServer gateway = PorticoServer.start(builder.route(Route.any("/**").to(upstream())).build(), "127.0.0.1", 0);
        gateways.add(gateway);
        return gateway;
    }

    private Upstream upstream() {
        return Upstream.of("backend", backend.url());
    }

    // ------------------------------------------------------------------------------------------ chunked body limits

    @ParameterizedTest(name = "limit set on the {0}")
    @ValueSource(strings = {"gateway", "route"})
    void chunkedUploadOfThreeMibPassesUnderAHundredMibLimit(String where) throws Exception {
        Gateway.Builder builder = Gateway.builder();
        if (where.equals("gateway")) {
            builder.maxBodySize(100 * MIB);
        } else {
            builder.route(Route.any("/upload").maxBodySize(100 * MIB).to(upstream()));
        }
        PorticoServer gateway = serve(builder);
        byte[] body = pattern((int) (3 * MIB));

        RawHttp.Reply reply = send(gateway, head("POST /upload", "Transfer-Encoding: chunked"), chunked(body, 64 * 1024));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo("reached " + body.length);
        assertThat(reached).singleElement().satisfies(r -> {
            assertThat(r.bodyLength()).isEqualTo(body.length);
            assertThat(r.crc()).isEqualTo(crc(body));
        });
    }

    @ParameterizedTest(name = "{0}-byte chunks")
    @ValueSource(ints = {1, 7, 1000})
    void chunkedBodyOfExactlyTheLimitPassesWhateverItsFraming(int chunkSize) throws Exception {
        PorticoServer gateway = serve(Gateway.builder().maxBodySize(1000));
        byte[] body = pattern(1000);

        RawHttp.Reply reply = send(gateway, head("POST /upload", "Transfer-Encoding: chunked"), chunked(body, chunkSize));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reached).singleElement().satisfies(r -> assertThat(r.crc()).isEqualTo(crc(body)));
    }

    @ParameterizedTest(name = "{0}-byte chunks")
    @ValueSource(ints = {1, 1001})
    void chunkedBodyOneByteOverTheLimitGets413Json(int chunkSize) throws Exception {
        PorticoServer gateway = serve(Gateway.builder().maxBodySize(1000));

        RawHttp.Reply reply = send(gateway, head("POST /upload", "Transfer-Encoding: chunked"), chunked(pattern(1001), chunkSize));

        assertJsonError(reply, 413, "payload_too_large");
        assertThat(reached).isEmpty();
    }

    /** The body was being streamed: the connection closes after the 413, rather than reading the rest of it. */
    @ParameterizedTest(name = "limit set on the {0}")
    @ValueSource(strings = {"gateway", "route"})
    void chunkedUploadFarOverTheLimitGets413JsonAndTheConnectionCloses(String where) throws Exception {
        Gateway.Builder builder = Gateway.builder();
        if (where.equals("gateway")) {
            builder.maxBodySize(64 * 1024);
        } else {
            builder.route(Route.any("/upload").maxBodySize(64 * 1024).to(upstream()));
        }
        PorticoServer gateway = serve(builder);

        RawHttp.Reply reply = send(gateway, head("POST /upload", "Transfer-Encoding: chunked"), chunked(pattern((int) (3 * MIB)), 8192));

        assertJsonError(reply, 413, "payload_too_large");
        assertThat(reply.header("Connection")).isEqualToIgnoringCase("close");
        assertThat(reached).isEmpty();
    }

    // ------------------------------------------------------------------------------------------ Transfer-Encoding

    private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

    /** RFC 9112 6.3: without chunked as the final coding the body's length is unknown; the connection closes. */
    @ParameterizedTest(name = "Transfer-Encoding: {0}")
    @ValueSource(strings = {"xchunked", "chunkedx", "identity", "foo", "chunked, gzip", "chunked, identity", "gzip",
            "chunked;ext=1", "chunked, chunked", "", ","})
    void transferEncodingThatDoesNotEndInOneChunkedGets400AndNothingBehindItIsServed(String coding) throws Exception {
        List<RawHttp.Reply> replies = exchange(serve(Gateway.builder()), head("POST /te", "Transfer-Encoding: " + coding)
                + "\r\n5\r\nhello\r\n0\r\n\r\n" + SMUGGLED);

        assertThat(replies).singleElement().satisfies(reply -> {
            assertJsonError(reply, 400, "bad_request");
            assertThat(reply.header("Connection")).isEqualToIgnoringCase("close");
        });
        assertThat(reached).isEmpty();
    }

    /** The gateway applies no transfer coding but chunked, so one that precedes chunked gets 501. */
    @ParameterizedTest(name = "Transfer-Encoding: {0}")
    @ValueSource(strings = {"gzip, chunked", "identity, chunked", "GZIP,CHUNKED", "foo , chunked"})
    void transferEncodingWithAnotherCodingBeforeChunkedGets501AndNothingBehindItIsServed(String coding) throws Exception {
        List<RawHttp.Reply> replies = exchange(serve(Gateway.builder()), head("POST /te", "Transfer-Encoding: " + coding)
                + "\r\n5\r\nhello\r\n0\r\n\r\n" + SMUGGLED);

        assertThat(replies).singleElement().satisfies(reply -> {
            assertJsonError(reply, 501, "not_implemented");
            assertThat(reply.header("Connection")).isEqualToIgnoringCase("close");
        });
        assertThat(reached).isEmpty();
    }

    @ParameterizedTest(name = "Transfer-Encoding: {0}")
    @ValueSource(strings = {"chunked", "CHUNKED", "Chunked", " chunked "})
    void transferEncodingChunkedInAnyCaseIsServedAndTheConnectionStaysUsable(String coding) throws Exception {
        List<RawHttp.Reply> replies = exchange(serve(Gateway.builder()), head("POST /te", "Transfer-Encoding: " + coding)
                + "\r\n5\r\nhello\r\n0\r\n\r\n" + head("GET /next", "Connection: close") + "\r\n");

        assertThat(replies).extracting(RawHttp.Reply::body).containsExactly("reached 5", "reached 0");
        assertThat(reached).extracting(Reached::target).containsExactly("/te", "/next");
    }

    /** Undertow's parser refuses these before the gateway sees them: a plain 400, and the connection closes. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
            "Transfer-Encoding: chunked\r\nContent-Length: 5", "Content-Length: 5\r\nTransfer-Encoding: chunked",
            "Transfer-Encoding: xchunked\r\nContent-Length: 5", "Content-Length: 5\r\nContent-Length: 5"})
    void repeatedOrConflictingFramingHeadersGet400AndNothingBehindThemIsServed(String headers) throws Exception {
        List<RawHttp.Reply> replies = exchange(serve(Gateway.builder()), head("POST /te", headers)
                + "\r\n5\r\nhello\r\n0\r\n\r\n" + SMUGGLED);

        assertThat(replies).singleElement().satisfies(reply -> {
            assertThat(reply.status()).isEqualTo(400);
            if (!reply.body().isEmpty()) {
                assertJsonError(reply, 400, "bad_request");
            }
        });
        assertThat(reached).isEmpty();
    }

    // ------------------------------------------------------------------------------------------ header count

    /** A GET whose head has this many header fields in all, {@code Host} and {@code Connection: close} included. */
    private static String withFields(int fields, boolean sameName) {
        StringBuilder head = new StringBuilder("GET /fields HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
        for (int i = 2; i < fields; i++) {
            head.append(sameName ? "X-Same" : "X-Field-" + i).append(": ").append(i).append("\r\n");
        }
        return head.append("\r\n").toString();
    }

    @ParameterizedTest(name = "{0} fields")
    @ValueSource(ints = {101, 150, 201, 1000})
    void moreHeaderFieldsThanTheDefaultLimitGet431Json(int fields) throws Exception {
        PorticoServer gateway = serve(Gateway.builder());

        List<RawHttp.Reply> replies = exchange(gateway, withFields(fields, false));

        assertThat(replies).singleElement().satisfies(reply -> assertJsonError(reply, 431, "request_header_fields_too_large"));
        assertThat(reached).isEmpty();
        assertThat(exchange(gateway, withFields(2, false))).singleElement()
                .satisfies(reply -> assertThat(reply.status()).isEqualTo(200));
    }

    @ParameterizedTest(name = "same name: {0}")
    @ValueSource(booleans = {false, true})
    void aHundredHeaderFieldsAreServed(boolean sameName) throws Exception {
        List<RawHttp.Reply> replies = exchange(serve(Gateway.builder()), withFields(100, sameName));

        assertThat(replies).singleElement().satisfies(reply -> assertThat(reply.status()).isEqualTo(200));
        assertThat(reached).singleElement().satisfies(r -> assertThat(r.header(sameName ? "x-same" : "x-field-99")).isNotNull());
    }

    @Test
    void repeatedFieldsOfOneNameCountOneEach() throws Exception {
        List<RawHttp.Reply> replies = exchange(serve(Gateway.builder()), withFields(101, true));

        assertThat(replies).singleElement().satisfies(reply -> assertJsonError(reply, 431, "request_header_fields_too_large"));
        assertThat(reached).isEmpty();
    }

    @Test
    void theHeaderCountLimitIsConfigurable() throws Exception {
        PorticoServer gateway = serve(Gateway.builder().maxHeaderCount(10));

        assertThat(exchange(gateway, withFields(11, false))).singleElement()
                .satisfies(reply -> assertJsonError(reply, 431, "request_header_fields_too_large"));
        assertThat(exchange(gateway, withFields(10, false))).singleElement()
                .satisfies(reply -> assertThat(reply.status()).isEqualTo(200));
        assertThat(exchange(gateway, withFields(400, false))).singleElement()
                .satisfies(reply -> assertJsonError(reply, 431, "request_header_fields_too_large"));
    }

    // ------------------------------------------------------------------------------------------ stalled bodies

    /** An upload that stops mid-body holds a client and an upstream connection until the idle timeout ends both. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Content-Length: 1000\r\n\r\nab", "Transfer-Encoding: chunked\r\n\r\n5\r\nab"})
    void aStalledRequestBodyGets408AndItsUpstreamConnectionIsClosed(String framingAndFirstBytes) throws Exception {
        try (SocketUpstream upstream = SocketUpstream.start()) {
            PorticoServer gateway = serve(Gateway.builder().idleTimeout(Duration.ofMillis(500))
                    .route(Route.any("/upload").to(Upstream.of("stalled", upstream.url()))));
            try (Socket client = new Socket("127.0.0.1", gateway.port())) {
                client.setSoTimeout(10_000); // no answer and no close: the read times out and the test fails
                client.getOutputStream().write(ascii("POST /upload HTTP/1.1\r\nHost: x\r\n" + framingAndFirstBytes));
                client.getOutputStream().flush();

                assertTimedOut(readAll(client.getInputStream()));
            }
            await(() -> upstream.accepted() == 1 && upstream.closed() == 1,
                    () -> "the gateway to close its upstream connection; it sent:\n" + upstream.received());
            assertThat(upstream.received()).startsWith("POST /upload HTTP/1.1");
            await(() -> gateway.inFlight() == 0, () -> "the request to end; in flight: " + gateway.inFlight());
        }
    }

    @Test
    void manyStalledUploadsAreAllEndedAndHoldNoConnection() throws Exception {
        try (SocketUpstream upstream = SocketUpstream.start()) {
            PorticoServer gateway = serve(Gateway.builder().idleTimeout(Duration.ofMillis(500))
                    .route(Route.any("/upload").to(Upstream.of("stalled", upstream.url()))));
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    Socket client = new Socket("127.0.0.1", gateway.port());
                    client.setSoTimeout(10_000);
                    client.getOutputStream().write(ascii("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nab"));
                    clients.add(client);
                }
                for (Socket client : clients) {
                    assertTimedOut(readAll(client.getInputStream()));
                }
            } finally {
                for (Socket client : clients) {
                    client.close();
                }
            }
            await(() -> upstream.accepted() == 20 && upstream.closed() == 20,
                    () -> "every upstream connection to close: " + upstream.closed() + " of " + upstream.accepted());
            await(() -> gateway.inFlight() == 0, () -> "every request to end; in flight: " + gateway.inFlight());
        }
    }

    /**
     * Once the upstream has answered, the rest of the body is never read: the connection closes after the answer,
     * so a client that stalls its upload behind an early answer holds nothing.
     */
    @Test
    void aBodyStallingBehindAnEarlyAnswerDoesNotHoldTheConnection() throws Exception {
        try (SocketUpstream upstream = SocketUpstream.answering("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nearly")) {
            PorticoServer gateway = serve(Gateway.builder().idleTimeout(Duration.ofMillis(500))
                    .route(Route.any("/upload").to(Upstream.of("early", upstream.url()))));
            try (Socket client = new Socket("127.0.0.1", gateway.port())) {
                client.setSoTimeout(10_000);
                client.getOutputStream().write(ascii("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nab"));
                client.getOutputStream().flush();

                assertThat(readAll(client.getInputStream())).singleElement().satisfies(reply -> {
                    assertThat(reply.status()).isEqualTo(200);
                    assertThat(reply.body()).isEqualTo("early");
                });
            }
            await(() -> upstream.accepted() == 1 && upstream.closed() == 1,
                    () -> "the gateway to close its upstream connection; it sent:\n" + upstream.received());
            await(() -> gateway.inFlight() == 0, () -> "the request to end; in flight: " + gateway.inFlight());
        }
    }

    /** Answered before its body was read (here 503 at the request limit), a request's stalled body is not waited for. */
    @Test
    void aStalledBodyBehindAnEarlyAnswerDoesNotHoldTheConnection() throws Exception {
        try (SocketUpstream upstream = SocketUpstream.start()) {
            PorticoServer gateway = serve(Gateway.builder().maxConcurrentRequests(1).idleTimeout(Duration.ofMillis(500))
                    .route(Route.any("/upload").to(Upstream.of("silent", upstream.url()))));
            try (Socket holder = new Socket("127.0.0.1", gateway.port());
                 Socket client = new Socket("127.0.0.1", gateway.port())) {
                holder.getOutputStream().write(ascii("GET /upload HTTP/1.1\r\nHost: x\r\n\r\n"));
                await(() -> upstream.accepted() == 1, () -> "the first request to take the only slot");
                client.setSoTimeout(10_000);
                client.getOutputStream().write(ascii("POST /other HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nab"));

                assertThat(readAll(client.getInputStream())).singleElement()
                        .satisfies(reply -> assertJsonError(reply, 503, "service_unavailable"));
            }
        }
    }

    /** A filter that buffers the body reads it another way than the streaming proxy; the timeout applies alike. */
    @Test
    void aStalledBodyThatAFilterBuffersGets408() throws Exception {
        PorticoServer gateway = serve(Gateway.builder().idleTimeout(Duration.ofMillis(500))
                .filter((request, chain) -> request.body().bytes(1 << 20).thenCompose(bytes ->
                        chain.proceed(request.toBuilder().body(dev.portico.core.Body.of(bytes)).build()))));
        try (Socket client = new Socket("127.0.0.1", gateway.port())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write(ascii("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab"));
            client.getOutputStream().flush();

            assertTimedOut(readAll(client.getInputStream()));
        }
        assertThat(reached).isEmpty();
        await(() -> gateway.inFlight() == 0, () -> "the request to end; in flight: " + gateway.inFlight());
    }

    /** The idle timeout bounds pauses between body bytes, not the upload: short pauses for longer in all pass. */
    @Test
    void anUploadWithShortPausesOutlastingTheIdleTimeoutPasses() throws Exception {
        PorticoServer gateway = serve(Gateway.builder().idleTimeout(Duration.ofSeconds(2)));
        try (Socket client = new Socket("127.0.0.1", gateway.port())) {
            client.setSoTimeout(10_000);
            OutputStream out = client.getOutputStream();
            out.write(ascii("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 30\r\nConnection: close\r\n\r\n"));
            for (int i = 0; i < 30; i++) {
                out.write('a');
                out.flush();
                Thread.sleep(100); // 3 s in all, 100 ms at a time
            }

            RawHttp.Reply reply = RawHttp.read(client.getInputStream());
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("reached 30");
        }
    }

    /** The idle timeout is the client's: an upstream slower than it, once the body is read, is bounded by timeout. */
    @Test
    void anUpstreamSlowerThanTheIdleTimeoutIsNotCutOff() throws Exception {
        try (Backend slow = Backend.start(exchange -> exchange.getRequestReceiver().receiveFullBytes((ex, body) ->
                ex.dispatch(SameThreadExecutor.INSTANCE, () -> ex.getIoThread().executeAfter(
                        () -> ex.getResponseSender().send("slow " + body.length), 1500, TimeUnit.MILLISECONDS))))) {
            PorticoServer gateway = serve(Gateway.builder().idleTimeout(Duration.ofMillis(300))
                    .route(Route.any("/slow").to(Upstream.of("slow", slow.url()))));

            RawHttp.Reply reply = send(gateway, head("POST /slow", "Content-Length: 5", "Connection: close"), ascii("hello"));

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("slow 5");
        }
    }

    // ------------------------------------------------------------------------------------------ client identity

    private static final String CLAIMS = "X-Real-IP: 6.6.6.6\r\nx-client-ip: 6.6.6.6\r\nTrue-Client-IP: 6.6.6.6\r\n"
            + "CF-Connecting-IP: 6.6.6.6\r\nX-Cluster-Client-IP: 6.6.6.6\r\nFastly-Client-IP: 6.6.6.6\r\n"
            + "X-Forwarded-Port: 1\r\nX-Other: kept\r\n";

    @Test
    void anUntrustedClientCanClaimNeitherAnAddressNorAPort() throws Exception {
        PorticoServer gateway = serve(Gateway.builder().trustedProxies("10.0.0.0/8"));

        List<RawHttp.Reply> replies = exchange(gateway, "GET /who HTTP/1.1\r\nHost: api.example:9999\r\n" + CLAIMS
                + "Connection: close\r\n\r\n");

        assertThat(replies).singleElement().satisfies(reply -> assertThat(reply.status()).isEqualTo(200));
        assertThat(reached).singleElement().satisfies(r -> {
            assertThat(r.headers()).doesNotContainKeys("x-real-ip", "x-client-ip", "true-client-ip", "cf-connecting-ip",
                    "x-cluster-client-ip", "fastly-client-ip");
            assertThat(r.header("x-other")).isEqualTo("kept");
            assertThat(r.header("x-forwarded-port")).isEqualTo(Integer.toString(gateway.port()));
            assertThat(r.header("x-forwarded-host")).isEqualTo("api.example:9999");
        });
    }

    @Test
    void aTrustedProxyReportsTheClientsAddressAndPort() throws Exception {
        PorticoServer gateway = serve(Gateway.builder().trustedProxies("127.0.0.1"));

        List<RawHttp.Reply> replies = exchange(gateway, "GET /who HTTP/1.1\r\nHost: api.example:9999\r\n" + CLAIMS
                + "Connection: close\r\n\r\n");

        assertThat(replies).singleElement().satisfies(reply -> assertThat(reply.status()).isEqualTo(200));
        assertThat(reached).singleElement().satisfies(r -> {
            assertThat(r.header("x-real-ip")).isEqualTo("6.6.6.6");
            assertThat(r.header("fastly-client-ip")).isEqualTo("6.6.6.6");
            assertThat(r.header("x-forwarded-port")).isEqualTo("1");
        });
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** A request head with these header lines (and {@code Host}), without the blank line that ends it. */
    private static String head(String requestLine, String... headers) {
        StringBuilder head = new StringBuilder(requestLine).append(" HTTP/1.1\r\nHost: x\r\n");
        for (String header : headers) {
            head.append(header).append("\r\n");
        }
        return head.toString();
    }

    /**
     * Sends a head (ended here), then a body, on a new connection and reads one reply; the bytes are written by
     * another thread, so a reply that comes before the whole body was sent is read, not lost to a reset.
     */
    private static RawHttp.Reply send(PorticoServer gateway, String head, byte[] body) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            socket.setSoTimeout(10_000); // a hang fails the test
            OutputStream out = socket.getOutputStream();
            Thread writer = new Thread(() -> {
                try {
                    out.write(ascii(head + "\r\n"));
                    out.write(body);
                    out.flush();
                } catch (IOException refused) {
                    // the gateway answered and closed before reading everything
                }
            }, "raw-client-writer");
            writer.setDaemon(true);
            writer.start();
            return RawHttp.read(socket.getInputStream());
        }
    }

    /** Writes the bytes on a new connection and reads every reply until the gateway closes it. */
    private static List<RawHttp.Reply> exchange(PorticoServer gateway, String bytes) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            socket.setSoTimeout(10_000); // a connection left open fails the test
            socket.getOutputStream().write(ascii(bytes));
            socket.getOutputStream().flush();
            return readAll(socket.getInputStream());
        }
    }

    /** Reads replies until the connection is closed (or reset). */
    private static List<RawHttp.Reply> readAll(InputStream in) throws IOException {
        List<RawHttp.Reply> replies = new ArrayList<>();
        try {
            for (RawHttp.Reply reply = RawHttp.read(in); reply.status() != -1; reply = RawHttp.read(in)) {
                replies.add(reply);
            }
        } catch (SocketException reset) {
            // closed with a reset after the replies read so far
        }
        return replies;
    }

    /** The client of a stalled body gets 408 JSON, then the connection closes. */
    private static void assertTimedOut(List<RawHttp.Reply> replies) {
        assertThat(replies).singleElement().satisfies(reply -> {
            assertJsonError(reply, 408, "request_timeout");
            assertThat(reply.header("Connection")).isEqualToIgnoringCase("close");
        });
    }

    /** Waits for something the gateway must do; fails (a hang) when it has not happened after 10 s. */
    private static void await(BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("waited 10 s for: " + what.get());
            }
            Thread.sleep(10);
        }
    }

    /** Returns the body in the chunked coding, in chunks of this size. */
    private static byte[] chunked(byte[] body, int chunkSize) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + body.length / chunkSize * 8 + 16);
        for (int offset = 0; offset < body.length; offset += chunkSize) {
            int size = Math.min(chunkSize, body.length - offset);
            out.writeBytes(ascii(Integer.toHexString(size) + "\r\n"));
            out.write(body, offset, size);
            out.writeBytes(ascii("\r\n"));
        }
        out.writeBytes(ascii("0\r\n\r\n"));
        return out.toByteArray();
    }

    private static byte[] pattern(int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i % 251);
        }
        return bytes;
    }

    private static long crc(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return crc.getValue();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Checks that a reply is the gateway's JSON error with this status and code, and a message with no internals. */
    private static void assertJsonError(RawHttp.Reply reply, int status, String error) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        assertThat(reply.header("Content-Type")).startsWith("application/json");
        JsonObject json = JsonParser.parseString(reply.body()).getAsJsonObject();
        assertThat(json.keySet()).containsExactlyInAnyOrder("error", "message", "requestId");
        assertThat(json.get("requestId").getAsString()).isEqualTo(reply.header("X-Request-Id"));
        assertThat(json.get("error").getAsString()).isEqualTo(error);
        assertThat(json.get("message").getAsString()).isNotBlank().doesNotContain("Exception", "java.", "io.undertow");
    }

    /** An upstream that never answers (or only starts to): it records what each connection sends and counts those closed. */
    private static final class SocketUpstream implements AutoCloseable {

        private final ServerSocket server;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private final StringBuffer received = new StringBuffer();
        private final AtomicInteger closed = new AtomicInteger();
        private final String answer;

        private SocketUpstream(String answer) throws IOException {
            this.answer = answer;
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(this::accept, "socket-upstream");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        static SocketUpstream start() throws IOException {
            return new SocketUpstream("");
        }

        /** Returns an upstream that writes these bytes on each connection as soon as it accepts it, and no more. */
        static SocketUpstream answering(String answer) throws IOException {
            return new SocketUpstream(answer);
        }

        String url() {
            return "http://127.0.0.1:" + server.getLocalPort();
        }

        int accepted() {
            return sockets.size();
        }

        int closed() {
            return closed.get();
        }

        String received() {
            return received.toString();
        }

        private void accept() {
            try {
                while (true) {
                    Socket socket = server.accept();
                    sockets.add(socket);
                    Thread reader = new Thread(() -> record(socket), "socket-upstream-reader");
                    reader.setDaemon(true);
                    reader.start();
                }
            } catch (IOException closing) {
                // the upstream is closed
            }
        }

        private void record(Socket socket) {
            byte[] buffer = new byte[8192];
            try (InputStream in = socket.getInputStream()) {
                socket.getOutputStream().write(ascii(answer));
                for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
                    received.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                }
            } catch (IOException reset) {
                // a reset is a close too
            } finally {
                closed.incrementAndGet();
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }
}
