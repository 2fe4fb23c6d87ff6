package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import dev.portico.undertow.HostileUpstream.Client.Head;
import dev.portico.undertow.HostileUpstream.Client.Reply;
import dev.portico.undertow.HostileUpstream.Client;
import dev.portico.undertow.HostileUpstream.Connection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static dev.portico.undertow.HostileUpstream.awaitOrFail;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Upstreams that answer with hostile or broken bytes, and clients that walk away mid-exchange, on real sockets: the
 * client gets a 502 (or 504) JSON error, or a closed connection once its response has started, never another
 * request's bytes; a connection the gateway cannot trust is closed, never reused; every wait is bounded; and the
 * gateway keeps serving (checked after every test).
 *
 * <p>The gateway runs one IO thread unless a test says otherwise, so every request shares one connection pool and a
 * poisoned pooled connection cannot hide behind another thread's pool.
 */
class HostileUpstreamTest {

    /** Java class names such as {@code io.undertow.server.Foo} or {@code java.lang.NumberFormatException}. */
    private static final Pattern CLASS_NAME = Pattern.compile("\\b[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+\\.[A-Z]\\w*");
    private static final String GOOD = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ngood";
    private static final Duration ROUTE_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration CLOSE_BOUND = Duration.ofSeconds(3);

    private HostileUpstream upstream;
    private PorticoServer gateway;
    private int ioThreads = 1;
    private int upstreamReceiveBuffer;

    /**
     * Starts the upstream, which answers {@code /good} with 200 "good", {@code /echo/...} with its own target, and
     * anything else with the test's script, and a gateway with one catch-all route to it (timeout 2 s).
     */
    private void start(HostileUpstream.Script script) throws IOException {
        start(script, route -> route, settings -> settings);
    }

    private void start(HostileUpstream.Script script, UnaryOperator<Gateway.Builder> settings) throws IOException {
        start(script, route -> route, settings);
    }

    private void start(HostileUpstream.Script script, UnaryOperator<Route.Builder> route,
                       UnaryOperator<Gateway.Builder> settings) throws IOException {
        HostileUpstream.Script routed = exchange -> {
            if (exchange.path().equals("/good")) {
                exchange.send(GOOD);
            } else if (exchange.path().startsWith("/echo/")) {
                exchange.send("HTTP/1.1 200 OK\r\nContent-Length: " + exchange.target().length() + "\r\n\r\n" + exchange.target());
            } else {
                script.answer(exchange);
            }
        };
        upstream = upstreamReceiveBuffer > 0
                ? HostileUpstream.startWithReceiveBuffer(upstreamReceiveBuffer, routed)
                : HostileUpstream.start(routed);
        Gateway built = settings.apply(Gateway.builder()
                .route(route.apply(Route.any("/**").timeout(ROUTE_TIMEOUT).to(Upstream.of("hostile", upstream.url())))))
                .build();
        gateway = PorticoServer.builder(built).port(0).ioThreads(ioThreads).drainTimeout(Duration.ofMillis(100)).start();
    }

    /** Whatever the test did, the gateway still serves a good request, and no request is left in flight. */
    @AfterEach
    void stillServingThenStop() throws Exception {
        try {
            if (gateway != null) {
                Reply reply = Client.get(gateway.port(), "/good");
                assertThat(reply.status()).as("a good request after the test: %s%n%s", reply, upstream.describe()).isEqualTo(200);
                assertThat(reply.body()).isEqualTo("good");
                awaitOrFail(() -> gateway.inFlight() == 0, Duration.ofSeconds(2), () -> "inFlight() to return to 0, still "
                        + gateway.inFlight());
                assertThat(upstream.scriptFailures()).isEmpty();
            }
        } finally {
            if (gateway != null) {
                gateway.close();
            }
            if (upstream != null) {
                upstream.close();
            }
        }
    }

    // ------------------------------------------------------------------------------------------ 1. half-used connections

    @Test
    void aConnectionWhoseRequestBodyWasNotFullySentIsClosedAndTheNextRequestGetsANewOne() throws Exception {
        // answers at the head of a 1 MiB POST, reads none of its body, and keeps the connection open
        start(exchange -> exchange.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        try (Client client = Client.connect(gateway.port())) {
            client.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + 1024 * 1024 + "\r\n\r\n");
            try {
                client.send(new byte[64 * 1024]);
            } catch (IOException answeredAndClosed) {
                // the gateway may answer and close before taking the rest
            }
            // the early answer, or a reset if the gateway closed with the rest of the upload unread: either way the
            // gateway has had the upstream's answer before the client goes away
            Reply early = client.read();
            assertThat(early.status()).as("%s", early).isIn(200, -1);
            if (early.status() == 200 && early.complete()) {
                assertThat(early.body()).isEqualTo("ok");
            }
        } // the client goes away with 960 KiB unsent

        long start = System.nanoTime();
        Reply next = Client.get(gateway.port(), "/echo/after-upload");
        long elapsed = System.nanoTime() - start;

        assertThat(next.status()).as("%s%n%s", next, upstream.describe()).isEqualTo(200);
        assertThat(next.body()).isEqualTo("/echo/after-upload");
        assertThat(Duration.ofNanos(elapsed)).isLessThan(Duration.ofSeconds(5));
        Connection upload = upstream.connectionOf("/upload");
        assertThat(upstream.connectionOf("/echo/after-upload")).as(upstream.describe()).isNotSameAs(upload);
        assertClosedByGateway("/upload");
        assertThat(upload.trailing()).doesNotContain("/echo/after-upload");
    }

    /**
     * The client goes away while the gateway waits on a silent upstream for the rest of the body: the pause before the
     * close lets the gateway pass on all it has, so the gateway learns that the client left at its next write to it,
     * or, while the upstream stays silent, when the body idle timeout closes the upstream connection.
     */
    @Test
    void aConnectionWhoseResponseWasNotFullyReadIsClosedAndTheNextRequestGetsANewOne() throws Exception {
        // announces 1 MiB, sends 64 KiB, then waits for the gateway
        start(exchange -> {
            exchange.send("HTTP/1.1 200 OK\r\nContent-Length: " + 1024 * 1024 + "\r\n\r\n");
            exchange.send(new byte[64 * 1024]);
            exchange.holdUntilClosed();
        }, settings -> settings.bodyIdleTimeout(Duration.ofSeconds(1)));
        try (Client client = Client.connect(gateway.port())) {
            client.send("GET /download HTTP/1.1\r\nHost: x\r\n\r\n");
            Head head = client.head();
            assertThat(head.status()).isEqualTo(200);
            assertThat(client.readNBytes(16 * 1024)).hasSize(16 * 1024);
            Thread.sleep(200); // not a timing assertion: the rest of the 64 KiB reaches this socket, unread
        } // the client goes away half-way, with unread bytes: a reset

        Reply next = Client.get(gateway.port(), "/echo/after-download");

        assertThat(next.status()).as("%s%n%s", next, upstream.describe()).isEqualTo(200);
        assertThat(next.body()).isEqualTo("/echo/after-download");
        assertThat(upstream.connectionOf("/echo/after-download")).as(upstream.describe())
                .isNotSameAs(upstream.connectionOf("/download"));
        assertClosedByGateway("/download");
    }

    @Test
    void anUpstreamThatReadsTheRequestAndNeverAnswersGets504WithinTheRouteTimeout() throws Exception {
        start(HostileUpstream.Exchange::holdUntilClosed);

        long start = System.nanoTime();
        Reply reply = Client.get(gateway.port(), "/silent");
        long elapsed = System.nanoTime() - start;

        assertGatewayTimeout(reply);
        assertThat(Duration.ofNanos(elapsed)).isLessThan(ROUTE_TIMEOUT.plusMillis(2500));
        assertClosedByGateway("/silent");
    }

    /**
     * The route timeout bounds a request whose body the upstream stops reading, too: its body never finishes, so a
     * timer that only starts once the request is sent never starts.
     */
    @Test
    void anUpstreamThatStopsReadingAnUploadGets504WithinTheRouteTimeout() throws Exception {
        long size = 64L * 1024 * 1024;
        CountDownLatch released = new CountDownLatch(1);
        upstreamReceiveBuffer = 16 * 1024;
        // reads the head, then neither the body nor anything else until the test ends
        start(exchange -> exchange.await(released, Duration.ofSeconds(8)), route -> route.maxBodySize(2 * size), s -> s);
        AtomicLong uploaded = new AtomicLong();
        try (Client client = Client.connect(gateway.port())) {
            client.send("POST /stalled-upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\n\r\n");
            Thread writer = new Thread(() -> {
                byte[] chunk = new byte[64 * 1024];
                try {
                    OutputStream out = client.socket().getOutputStream();
                    while (uploaded.get() < size) {
                        out.write(chunk);
                        uploaded.addAndGet(chunk.length);
                    }
                } catch (IOException closed) {
                    // the gateway answered and closed, or the test ended
                }
            }, "stalled-upload-writer");
            writer.setDaemon(true);
            writer.start();

            long start = System.nanoTime();
            Reply reply = client.read();
            long elapsed = System.nanoTime() - start;

            assertThat(reply.status()).as("%s after %d bytes uploaded", reply, uploaded.get()).isEqualTo(504);
            assertGatewayTimeout(reply);
            assertThat(Duration.ofNanos(elapsed)).isLessThan(ROUTE_TIMEOUT.plusMillis(2500));
        } finally {
            released.countDown();
        }
        assertClosedByGateway("/stalled-upload");
    }

    // ------------------------------------------------------------------------------------------ 2. status codes

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"HTTP/1.1 600 X", "HTTP/1.1 99 X", "HTTP/1.1 abc X", "HTTP/1.1 000 X", "HTTP/1.1 1000 X",
            "SSH-2.0-OpenSSH_9.6"})
    void aStatusOutside100To599Is502AndReleasesItsConcurrencySlot(String statusLine) throws Exception {
        start(exchange -> exchange.send(statusLine + "\r\nContent-Length: 2\r\n\r\nno"),
                settings -> settings.maxConcurrentRequests(5));

        for (int i = 1; i <= 10; i++) {
            assertBadGateway(Client.get(gateway.port(), "/status/" + i));
        }

        Reply good = Client.get(gateway.port(), "/good");
        assertThat(good.status()).as("%s", good).isEqualTo(200);
        awaitOrFail(() -> gateway.inFlight() == 0, CLOSE_BOUND, () -> "inFlight() to return to 0, still " + gateway.inFlight());
        for (int i = 1; i <= 10; i++) {
            assertClosedByGateway("/status/" + i);
        }
    }

    // ------------------------------------------------------------------------------------------ 3. interim responses

    static Stream<Arguments> interimResponses() {
        String hints = "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n";
        String continues = "HTTP/1.1 100 Continue\r\n\r\n";
        return Stream.of(
                arguments("103 Early Hints, in the final response's write", hints, false),
                arguments("103 Early Hints, 100 ms before the final response", hints, true),
                arguments("two 103 Early Hints", hints + hints, false),
                arguments("an unsolicited 100 Continue", continues, false),
                arguments("an unsolicited 100 Continue, 100 ms before the final response", continues, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("interimResponses")
    void interimResponsesAreSkippedAndTheClientGetsTheFinalResponse(String name, String interim, boolean pause) throws Exception {
        start(exchange -> {
            String last = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
            if (pause) {
                exchange.send(interim);
                Thread.sleep(100);
                exchange.send(last);
            } else {
                exchange.send(interim + last);
            }
        });

        Reply reply = Client.get(gateway.port(), "/hints");

        assertThat(reply.status()).as("%s", reply).isEqualTo(200);
        assertThat(reply.body()).isEqualTo("hello");
        assertThat(reply.complete()).isTrue();
        assertThat(reply.interim()).allSatisfy(status -> assertThat(status).isBetween(100, 199).isNotEqualTo(101));
        Reply next = Client.get(gateway.port(), "/echo/after-hints");
        assertThat(next.body()).as("%s%n%s", next, upstream.describe()).isEqualTo("/echo/after-hints");
    }

    @Test
    void aPipelinedRequestAfterEarlyHintsGetsItsOwnResponse() throws Exception {
        start(exchange -> exchange.send("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"));

        try (Client client = Client.connect(gateway.port())) {
            client.send("GET /hints HTTP/1.1\r\nHost: x\r\n\r\nGET /echo/second HTTP/1.1\r\nHost: x\r\n\r\n");
            Reply first = client.read();
            Reply second = client.read();

            assertThat(first.status()).as("%s", first).isEqualTo(200);
            assertThat(first.body()).isEqualTo("hello");
            assertThat(second.status()).as("%s%n%s", second, upstream.describe()).isEqualTo(200);
            assertThat(second.body()).isEqualTo("/echo/second");
        }
        Reply third = Client.get(gateway.port(), "/echo/third");
        assertThat(third.body()).as("%s", third).isEqualTo("/echo/third");
    }

    // ------------------------------------------------------------------------------------------ 4. framing

    static Stream<Arguments> badFraming() {
        return Stream.of(
                arguments("Content-Length and chunked", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "b\r\nhello world\r\n0\r\n\r\n"),
                arguments("chunked and Content-Length", "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
                        + "b\r\nhello world\r\n0\r\n\r\n"),
                arguments("gzip alone", "Transfer-Encoding: gzip\r\n\r\nhello"),
                arguments("chunkedx", "Transfer-Encoding: chunkedx\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
                arguments("two different Content-Lengths", "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
                arguments("Content-Length abc", "Content-Length: abc\r\n\r\nhello"),
                arguments("Content-Length -1", "Content-Length: -1\r\n\r\nhello"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFraming")
    void ambiguousOrInvalidFramingIs502AndTheConnectionIsNotReused(String name, String rest) throws Exception {
        start(exchange -> exchange.send("HTTP/1.1 200 OK\r\n" + rest));

        assertBadGateway(Client.get(gateway.port(), "/framing"));

        Reply next = Client.get(gateway.port(), "/echo/after-framing");
        assertThat(next.body()).as("%s%n%s", next, upstream.describe()).isEqualTo("/echo/after-framing");
        assertClosedByGateway("/framing");
    }

    // ------------------------------------------------------------------------------------------ 5. head size

    @Test
    void aResponseHeadOverTheDefault64KiBIs502AndItsConnectionIsClosed() throws Exception {
        start(exchange -> exchange.send("HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(100 * 1024) + "\r\nContent-Length: 5\r\n\r\nhello"));

        assertBadGateway(Client.get(gateway.port(), "/big-head"));

        assertClosedByGateway("/big-head");
    }

    /**
     * The gateway stops reading a head once it passes the limit and closes the connection, which breaks the upstream's
     * write. A gateway that reads on would have to buffer the whole 64 MiB; the upstream gives up after 16 MiB (256
     * times the limit, and more than the socket buffers hold) to spare this JVM's 128 MiB heap, and the test fails.
     */
    @Test
    void anUpstreamWritingA64MiBHeadHasItsWriteBrokenAndTheClientGets502() throws Exception {
        long huge = 64L * 1024 * 1024;
        long givesUpAfter = 16L * 1024 * 1024;
        CompletableFuture<String> outcome = new CompletableFuture<>();
        AtomicLong written = new AtomicLong();
        start(exchange -> {
            byte[] chunk = "a".repeat(64 * 1024).getBytes();
            try {
                exchange.send("HTTP/1.1 200 OK\r\nX-Huge: ");
                while (written.get() < huge) {
                    if (written.get() >= givesUpAfter) {
                        outcome.complete("the gateway was still reading after " + written.get() + " bytes of head");
                        exchange.reset();
                        return;
                    }
                    exchange.send(chunk);
                    written.addAndGet(chunk.length);
                }
                exchange.send("\r\nContent-Length: 0\r\n\r\n");
                outcome.complete("the whole 64 MiB head was written");
            } catch (IOException broken) {
                outcome.complete("broken: " + broken);
                throw broken;
            }
        });

        Reply reply;
        try (Client client = Client.connect(gateway.port(), Duration.ofSeconds(8))) {
            reply = client.send("GET /huge-head HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read();
        }

        assertThat(outcome.get(5, TimeUnit.SECONDS)).startsWith("broken: ");
        assertThat(written.get()).isLessThan(givesUpAfter);
        assertBadGateway(reply);
    }

    static Stream<Arguments> headsAgainstAn8KiBLimit() {
        return Stream.of(
                arguments("one 10 KiB header", "X-Big: " + "a".repeat(10 * 1024) + "\r\n", 502),
                arguments("200 headers of 50 bytes", ("X-Small: " + "b".repeat(39) + "\r\n").repeat(200), 502),
                arguments("one 6 KiB header", "X-Big: " + "a".repeat(6 * 1024) + "\r\n", 200));
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("headsAgainstAn8KiBLimit")
    void maxResponseHeaderSizeBoundsTheWholeHead(String name, String headers, int expected) throws Exception {
        start(exchange -> exchange.send("HTTP/1.1 200 OK\r\n" + headers + "Content-Length: 5\r\n\r\nhello"),
                settings -> settings.maxResponseHeaderSize(8 * 1024));

        Reply reply = Client.get(gateway.port(), "/head");

        if (expected == 502) {
            assertBadGateway(reply);
            assertClosedByGateway("/head");
        } else {
            assertThat(reply.status()).as("%s", reply).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("hello");
        }
    }

    // ------------------------------------------------------------------------------------------ 6. upgrades

    @Test
    void anUnsolicited101SwitchingProtocolsIs502AndItsConnectionIsClosed() throws Exception {
        start(exchange -> {
            exchange.send("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                    + "\u0081\u0005hello"); // a WebSocket text frame
            exchange.holdUntilClosed();
        });

        assertBadGateway(Client.get(gateway.port(), "/not-an-upgrade"));

        assertClosedByGateway("/not-an-upgrade");
    }

    // ------------------------------------------------------------------------------------------ 7. head flush

    @Test
    void aResponseHeadIsFlushedToTheClientBeforeAnyBodyArrives() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        start(exchange -> {
            exchange.send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
            exchange.await(release, Duration.ofSeconds(5));
            exchange.send("0123456789");
        });
        try (Client client = Client.connect(gateway.port(), Duration.ofSeconds(3))) {
            client.send("GET /slow-body HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            Head head;
            try {
                head = client.head();
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the response head was not flushed within 3 s, before the body", e);
            }
            assertThat(head).isNotNull();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("content-length")).isEqualTo("10");

            release.countDown();
            Reply reply = client.body(head, List.of());

            assertThat(reply.body()).isEqualTo("0123456789");
            assertThat(reply.complete()).isTrue();
        } finally {
            release.countDown();
        }
    }

    // ------------------------------------------------------------------------------------------ 8. body idle timeout

    static Stream<Arguments> stalledBodies() {
        return Stream.of(
                arguments("Content-Length 100, 10 bytes sent", "Content-Length: 100\r\n\r\n0123456789"),
                arguments("chunked, stalled mid-chunk", "Transfer-Encoding: chunked\r\n\r\na\r\n01234"),
                arguments("chunked, stalled between chunks", "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stalledBodies")
    void aStalledBodyClosesBothConnectionsAfterTheBodyIdleTimeout(String name, String rest) throws Exception {
        CompletableFuture<Boolean> upstreamClosed = new CompletableFuture<>();
        start(exchange -> {
            exchange.send("HTTP/1.1 200 OK\r\n" + rest);
            upstreamClosed.complete(exchange.awaitGatewayClose(Duration.ofSeconds(6)));
        }, settings -> settings.bodyIdleTimeout(Duration.ofMillis(500)));

        Reply reply;
        long start = System.nanoTime();
        try (Client client = Client.connect(gateway.port(), Duration.ofSeconds(4))) {
            reply = client.send("GET /stall HTTP/1.1\r\nHost: x\r\n\r\n").read();
        }
        long elapsed = System.nanoTime() - start;

        assertThat(reply.status()).as("%s", reply).isEqualTo(200);
        assertThat(reply.complete()).as("the client must not get a complete body: %s", reply).isFalse();
        assertThat(reply.timedOut()).as("the gateway must close the client connection, not leave it hanging: %s", reply)
                .isFalse();
        assertThat(Duration.ofNanos(elapsed)).isLessThan(Duration.ofSeconds(4));
        assertThat(upstreamClosed.get(6, TimeUnit.SECONDS)).as("the gateway closed the upstream connection").isTrue();
    }

    // ------------------------------------------------------------------------------------------ 9. the idle pool

    @Test
    void idleConnectionsBeyondMaxIdleConnectionsAreClosedAfterABurst() throws Exception {
        ioThreads = 2;
        start(HostileUpstreamTest::slowGood, settings -> settings.maxIdleConnections(2)
                .idleConnectionTimeout(Duration.ofSeconds(10)));

        burst(20);

        assertThat(upstream.accepted()).as("connections piled up during the burst").isGreaterThan(2);
        awaitOrFail(() -> upstream.open() <= 2, CLOSE_BOUND, () -> "at most 2 idle upstream connections\n" + upstream.describe());
    }

    @Test
    void idleConnectionsAreClosedAfterIdleConnectionTimeout() throws Exception {
        ioThreads = 2;
        start(HostileUpstreamTest::slowGood, settings -> settings.idleConnectionTimeout(Duration.ofMillis(300)));

        burst(20);

        awaitOrFail(() -> upstream.open() == 0, CLOSE_BOUND, () -> "every idle upstream connection closed\n" + upstream.describe());
        assertThat(upstream.connections()).allSatisfy(c -> assertThat(c.closedByGateway()).as("%s", c).isTrue());
    }

    @Test
    void sequentialRequestsReuseOneUpstreamConnection() throws Exception {
        ioThreads = 2;
        start(HostileUpstreamTest::slowGood);

        try (Client client = Client.connect(gateway.port())) {
            for (int i = 0; i < 10; i++) {
                Reply reply = client.send("GET /echo/" + i + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
                assertThat(reply.body()).isEqualTo("/echo/" + i);
            }
        }

        assertThat(upstream.accepted()).as(upstream.describe()).isEqualTo(1);
        assertThat(upstream.requestsPerConnection()).containsExactly(10);
    }

    private static void slowGood(HostileUpstream.Exchange exchange) throws Exception {
        Thread.sleep(200);
        exchange.send("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslow");
    }

    /** Sends {@code n} requests at once, each on its own client connection, and checks every answer. */
    private void burst(int n) throws IOException {
        List<Client> clients = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                clients.add(Client.connect(gateway.port()).send("GET /burst/" + i + " HTTP/1.1\r\nHost: x\r\n\r\n"));
            }
            for (Client client : clients) {
                Reply reply = client.read();
                assertThat(reply.status()).as("%s", reply).isEqualTo(200);
                assertThat(reply.body()).isEqualTo("slow");
            }
        } finally {
            for (Client client : clients) {
                client.close();
            }
        }
    }

    // ------------------------------------------------------------------------------------------ 10. chunk syntax

    @ParameterizedTest
    @ValueSource(strings = {"zz\r\nhello\r\n0\r\n\r\n", "5\r\nhelloXX0\r\n\r\n", "-5\r\nhello\r\n0\r\n\r\n",
            "10000000000000005\r\nhello\r\n0\r\n\r\n"})
    void malformedChunkingThatArrivesWithTheHeadIs502(String chunks) throws Exception {
        start(exchange -> exchange.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks));

        assertBadGateway(Client.get(gateway.port(), "/chunks"));

        assertClosedByGateway("/chunks");
    }

    /** Undertow keeps at most 127 values of one name: more is the response's fault, not the gateway's (no 500). */
    @Test
    void aResponseWithMoreThan127FieldsOfOneNameIsABadGatewayAndNoStackTrace() throws Exception {
        start(exchange -> exchange.send("HTTP/1.1 200 OK\r\n" + "Set-Cookie: c=1\r\n".repeat(128)
                + "Content-Length: 2\r\n\r\nok"));

        Reply many = Client.get(gateway.port(), "/many");

        assertThat(many.status()).as("%s", many).isEqualTo(502);
        assertThat(many.body()).contains("\"error\":\"bad_gateway\"", "more than 127 fields named Set-Cookie");
    }

    @Test
    void malformedChunkingAfterTheHeadWasFlushedClosesTheClientConnectionWithoutACompleteBody() throws Exception {
        start(exchange -> {
            exchange.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
            Thread.sleep(300);
            exchange.send("zz\r\nworld\r\n0\r\n\r\n");
        });

        Reply reply;
        try (Client client = Client.connect(gateway.port())) {
            reply = client.send("GET /late-bad-chunk HTTP/1.1\r\nHost: x\r\n\r\n").read();
        }

        assertThat(reply.status()).as("%s", reply).isEqualTo(200);
        assertThat(reply.complete()).as("%s", reply).isFalse();
        assertThat(reply.timedOut()).as("the gateway must close the client connection: %s", reply).isFalse();
        assertThat(reply.body()).doesNotContain("world");
        assertClosedByGateway("/late-bad-chunk");
    }

    // ------------------------------------------------------------------------------------------ 11. splitting

    static Stream<Arguments> splittingHeads() {
        return Stream.of(
                arguments("bare LF in a value", "X-A: a\nSet-Cookie: evil=1\r\n"),
                arguments("bare CR in a value", "X-A: a\rSet-Cookie: evil=1\r\n"),
                arguments("space in a header name", "X Bad: 1\r\n"),
                arguments("a line without a colon", "NoColonHere\r\n"),
                arguments("obs-fold with a space", "X-A: 1\r\n folded\r\n"),
                arguments("obs-fold with a tab", "X-A: 1\r\n\tSet-Cookie: evil=1\r\n"),
                arguments("obs-fold on the first header", " X-A: 1\r\n"),
                arguments("NUL in a value", "X-A: a\0b\r\n"),
                arguments("NUL in a name", "X\0A: 1\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("splittingHeads")
    void responseSplittingAttemptsAre502(String name, String header) throws Exception {
        start(exchange -> exchange.send("HTTP/1.1 200 OK\r\n" + header + "Content-Length: 5\r\n\r\nhello"));

        Reply reply = Client.get(gateway.port(), "/split");

        assertBadGateway(reply);
        assertThat(reply.headers()).doesNotContainKeys("set-cookie", "x-a", "x bad", "nocolonhere");
        assertClosedByGateway("/split");
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** A 502 with the gateway's JSON error, which names nothing internal. */
    static void assertBadGateway(Reply reply) {
        assertThat(reply.status()).as("expected 502 JSON, got %s", reply).isEqualTo(502);
        assertJsonError(reply, "bad_gateway");
    }

    static void assertGatewayTimeout(Reply reply) {
        assertThat(reply.status()).as("expected 504 JSON, got %s", reply).isEqualTo(504);
        assertJsonError(reply, "gateway_timeout");
    }

    private static void assertJsonError(Reply reply, String error) {
        assertThat(reply.complete()).as("%s", reply).isTrue();
        assertThat(reply.header("content-type")).startsWith("application/json");
        assertThat(reply.body()).startsWith("{\"error\":\"" + error + "\",\"message\":\"")
                .doesNotContain("Exception", "\tat ", "at io.", "at dev.", "at java.")
                .doesNotContainPattern(CLASS_NAME);
    }

    /**
     * Asserts that the connection that carried this target carried nothing else and that the gateway closes it within
     * 3 s.
     */
    private void assertClosedByGateway(String target) throws InterruptedException {
        Connection c = upstream.connectionOf(target);
        assertThat(c).as("a connection carried %s%n%s", target, upstream.describe()).isNotNull();
        assertThat(c.awaitClosed(CLOSE_BOUND)).as("the gateway closed the connection that carried %s within 3 s%n%s",
                target, upstream.describe()).isTrue();
        assertThat(c.closedByGateway()).as("%s", c).isTrue();
        assertThat(c.targets()).as("the connection was not reused: %s", c).containsExactly(target);
    }
}
