package dev.portico.undertow;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.observe.AccessLog;
import dev.portico.core.observe.Telemetry;
import dev.portico.core.upstream.Upstream;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static dev.portico.undertow.HostileUpstream.awaitOrFail;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The access log over real sockets: one JSON line per request, its fields, no secrets, and no waiting for it. */
class AccessLogSocketTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
    private Logger logger;
    private Handler capture;
    private Backend backend;

    @AfterEach
    void close() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        if (logger != null) {
            logger.removeHandler(capture);
        }
    }

    /** Captures the lines written to this logger through java.util.logging, System.Logger's default backend. */
    private void capture(String name, Handler handler) {
        logger = Logger.getLogger(name);
        logger.setUseParentHandlers(false);
        logger.setLevel(Level.INFO);
        capture = handler;
        logger.addHandler(handler);
    }

    private Handler collecting() {
        return new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel() == Level.INFO) {
                    lines.add(record.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
    }

    private PorticoServer start(AccessLog log) {
        return start(Gateway.builder().accessLog(log));
    }

    private PorticoServer start(Gateway.Builder gateway) {
        backend = Backend.start(new EchoHandler());
        resources.add(backend);
        PorticoServer server = PorticoServer.builder(gateway
                .route(Route.any("/api/users/{id}").id("users").to(Upstream.of("echo", backend.url())))
                .build()).port(0).ioThreads(1).drainTimeout(Duration.ZERO).start();
        resources.add(server);
        return server;
    }

    @Test
    void writesOneJsonLinePerRequestWithEveryField() throws Exception {
        capture("test.access.fields", collecting());
        PorticoServer server = start(AccessLog.builder().loggerName("test.access.fields").build());
        Instant before = Instant.now().minusSeconds(1);

        RawHttp.Reply ok = RawHttp.send(server.port(), "POST /api/users/7?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "X-Request-Id: req-42\r\ntraceparent: 00-" + TRACE_ID + "-00f067aa0ba902b7-01\r\n"
                + "Content-Length: 5\r\n\r\nhello");
        RawHttp.Reply missing = RawHttp.send(server.port(), "GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        awaitOrFail(() -> lines.size() >= 2, Duration.ofSeconds(30), () -> "two lines, got " + lines);

        List<JsonObject> parsed = lines.stream().map(line -> JsonParser.parseString(line).getAsJsonObject()).toList();
        JsonObject first = parsed.stream().filter(l -> l.get("status").getAsInt() == 200).findFirst().orElseThrow();
        assertThat(Instant.parse(first.get("time").getAsString())).isBetween(before, Instant.now().plusSeconds(1));
        assertThat(first.get("requestId").getAsString()).isEqualTo("req-42").isEqualTo(ok.header("X-Request-Id"));
        assertThat(first.get("route").getAsString()).isEqualTo("users");
        assertThat(first.get("method").getAsString()).isEqualTo("POST");
        assertThat(first.get("path").getAsString()).isEqualTo("/api/users/7"); // without the query
        assertThat(first.get("upstream").getAsString()).isEqualTo("echo");
        assertThat(first.get("instance").getAsString()).isEqualTo("127.0.0.1:" + backend.port());
        assertThat(first.get("durationMs").getAsDouble()).isGreaterThanOrEqualTo(0).isLessThan(30_000);
        assertThat(first.get("bytesIn").getAsLong()).isEqualTo(5);
        assertThat(first.get("bytesOut").getAsLong()).isEqualTo(ok.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        assertThat(first.get("client").getAsString()).isEqualTo("127.0.0.1");
        assertThat(first.get("traceId").getAsString()).isEqualTo(TRACE_ID);
        assertThat(first.has("failure")).isFalse();

        JsonObject second = parsed.stream().filter(l -> l.get("status").getAsInt() == 404).findFirst().orElseThrow();
        assertThat(second.get("requestId").getAsString()).isEqualTo(missing.header("X-Request-Id"));
        assertThat(second.has("route")).isFalse();
        assertThat(second.has("upstream")).isFalse();
        assertThat(second.has("instance")).isFalse();
        assertThat(second.has("traceId")).isFalse();
        assertThat(second.get("path").getAsString()).isEqualTo("/nowhere");
        assertThat(second.get("bytesOut").getAsLong()).isEqualTo(missing.body().length());
        assertThat(second.get("failure").getAsString()).isEqualTo("GatewayException");
    }

    @Test
    void noLineEverContainsATokenACookieOrAnApiKey() throws Exception {
        capture("test.access.secrets", collecting());
        PorticoServer server = start(AccessLog.builder().loggerName("test.access.secrets").build());
        String[] secrets = {"bearer-secret-1", "cookie-secret-2", "apikey-secret-3", "query-secret-4", "basic-secret-5"};
        for (String path : new String[] {"/api/users/1", "/nowhere"}) {
            RawHttp.send(server.port(), "GET " + path + "?api_key=" + secrets[3] + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    + "Authorization: Bearer " + secrets[0] + "\r\nCookie: session=" + secrets[1] + "\r\n"
                    + "X-Api-Key: " + secrets[2] + "\r\nProxy-Authorization: Basic " + secrets[4] + "\r\n\r\n");
        }
        awaitOrFail(() -> lines.size() >= 2, Duration.ofSeconds(30), () -> "two lines, got " + lines);

        for (String line : lines) {
            assertThat(line).doesNotContain(secrets).doesNotContainIgnoringCase("authorization")
                    .doesNotContainIgnoringCase("cookie");
            assertThat(JsonParser.parseString(line).getAsJsonObject().keySet())
                    .isSubsetOf("time", "requestId", "route", "method", "path", "status", "upstream", "instance",
                            "durationMs", "bytesIn", "bytesOut", "client", "traceId", "failure");
        }
    }

    @Test
    void aFullQueueDropsAndCountsLinesAndNeverHoldsARequest() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch writing = new CountDownLatch(1);
        capture("test.access.full", new Handler() {
            @Override
            public void publish(LogRecord record) {
                writing.countDown();
                try {
                    release.await(); // a log handler stuck on a full disk
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
        AccessLog log = AccessLog.builder().loggerName("test.access.full").queueCapacity(2).build();
        PorticoServer server = start(log);
        try {
            assertThat(RawHttp.send(server.port(), "GET /api/users/0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .status()).isEqualTo(200);
            assertThat(writing.await(30, TimeUnit.SECONDS)).as("the writer is stuck in the handler").isTrue();
            for (int i = 1; i <= 10; i++) {
                assertThat(RawHttp.send(server.port(), "GET /api/users/" + i + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                        .status()).isEqualTo(200);
            }
            awaitOrFail(() -> log.dropped() == 8, Duration.ofSeconds(30), () -> "8 dropped, got " + log.dropped());
        } finally {
            release.countDown();
        }
    }

    @Test
    void withTelemetryTheTraceIdIsTheServerSpansEvenForATraceTheGatewayStarted() throws Exception {
        capture("test.access.span", collecting());
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
        resources.add(sdk);
        PorticoServer server = start(Gateway.builder().telemetry(Telemetry.of(sdk))
                .accessLog(AccessLog.builder().loggerName("test.access.span").build()));

        RawHttp.send(server.port(), "GET /api/users/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        RawHttp.send(server.port(), "GET /api/users/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\ntraceparent: 00-"
                + TRACE_ID + "-00f067aa0ba902b7-01\r\n\r\n");
        awaitOrFail(() -> lines.size() >= 2, Duration.ofSeconds(30), () -> "two lines, got " + lines);

        List<String> serverTraces = spans.getFinishedSpanItems().stream()
                .filter(span -> span.getKind() == SpanKind.SERVER).map(SpanData::getTraceId).toList();
        List<String> logged = lines.stream()
                .map(line -> JsonParser.parseString(line).getAsJsonObject().get("traceId").getAsString()).toList();
        assertThat(serverTraces).hasSize(2).contains(TRACE_ID);
        assertThat(logged).containsExactlyInAnyOrderElementsOf(serverTraces);
    }

    @Test
    void theInstanceIsTheOneTheLastAttemptWentTo() throws Exception {
        capture("test.access.retry", collecting());
        Backend healthy = Backend.start(new EchoHandler());
        resources.add(healthy);
        try (java.net.ServerSocket closed = new java.net.ServerSocket(0)) {
            String refused = "http://127.0.0.1:" + closed.getLocalPort();
            closed.close();
            PorticoServer server = PorticoServer.builder(Gateway.builder()
                    .accessLog(AccessLog.builder().loggerName("test.access.retry").build())
                    .route(Route.get("/r").id("r").retries(dev.portico.core.resilience.RetryPolicy.builder().build())
                            .to(Upstream.builder("pair").instance(refused).instance(healthy.url())
                                    .loadBalancer(dev.portico.core.upstream.LoadBalancer.roundRobin()).build()))
                    .build()).port(0).ioThreads(1).drainTimeout(Duration.ZERO).start();
            resources.add(server);

            for (int i = 0; i < 2; i++) {
                assertThat(RawHttp.send(server.port(), "GET /r HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                        .status()).isEqualTo(200);
            }
        }
        awaitOrFail(() -> lines.size() >= 2, Duration.ofSeconds(30), () -> "two lines, got " + lines);
        for (String line : lines) { // whichever instance round robin tried first, the answer came from the healthy one
            assertThat(JsonParser.parseString(line).getAsJsonObject().get("instance").getAsString())
                    .isEqualTo("127.0.0.1:" + healthy.port());
        }
    }

    @Test
    void aPathWithQuotesAndNonAsciiCharactersIsEscapedIntoValidJson() throws Exception {
        capture("test.access.escape", collecting());
        PorticoServer server = start(AccessLog.builder().loggerName("test.access.escape").build());

        RawHttp.send(server.port(), "GET /api/users/%22%7D,%22status%22:1%7B%C3%A9 HTTP/1.1\r\nHost: x\r\n"
                + "Connection: close\r\n\r\n");
        awaitOrFail(() -> lines.size() >= 1, Duration.ofSeconds(30), () -> "a line, got " + lines);

        JsonObject line = JsonParser.parseString(lines.peek()).getAsJsonObject();
        assertThat(line.get("path").getAsString()).isEqualTo("/api/users/\"},\"status\":1{\u00e9");
        assertThat(line.get("status").getAsInt()).isEqualTo(200);
    }

    /** NEL (U+0085) and the other C1 controls end a line for some tools (Python's splitlines, log viewers). */
    @Test
    void c1ControlsAndLineSeparatorsInAPathAreEscapedSoTheLineStaysOneLine() throws Exception {
        capture("test.access.c1", collecting());
        PorticoServer server = start(AccessLog.builder().loggerName("test.access.c1").build());

        RawHttp.send(server.port(), "GET /api/users/a%C2%85b%C2%9Bc%E2%80%A8d HTTP/1.1\r\nHost: x\r\n"
                + "Connection: close\r\n\r\n");
        awaitOrFail(() -> lines.size() >= 1, Duration.ofSeconds(30), () -> "a line, got " + lines);

        String text = lines.peek();
        assertThat(text).doesNotContain("\u0085", "\u009b", "\u2028").contains("a\\u0085b\\u009bc\\u2028d");
        assertThat(JsonParser.parseString(text).getAsJsonObject().get("path").getAsString())
                .isEqualTo("/api/users/a\u0085b\u009bc\u2028d");
    }

    @Test
    void aMalformedOrZeroTraceparentGivesNoTraceId() throws Exception {
        capture("test.access.trace", collecting());
        PorticoServer server = start(AccessLog.builder().loggerName("test.access.trace").build());
        for (String traceparent : new String[] {"00-XYZ-00f067aa0ba902b7-01", "00-" + "0".repeat(32) + "-00f067aa0ba902b7-01",
                "00-" + TRACE_ID.toUpperCase() + "-00f067aa0ba902b7-01"}) {
            RawHttp.send(server.port(), "GET /api/users/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\ntraceparent: "
                    + traceparent + "\r\n\r\n");
        }
        awaitOrFail(() -> lines.size() >= 3, Duration.ofSeconds(30), () -> "three lines, got " + lines);
        for (String line : lines) {
            assertThat(JsonParser.parseString(line).getAsJsonObject().has("traceId")).as(line).isFalse();
        }
    }

    @Test
    void toAFileEachLineArrivesSoonAfterItsRequestAndTheRestOnClose(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("access.log");
        PorticoServer server = start(AccessLog.builder().file(file).build());

        RawHttp.Reply ok = RawHttp.send(server.port(), "GET /api/users/%C3%A9?secret=1 HTTP/1.1\r\nHost: x\r\n"
                + "Connection: close\r\n\r\n");
        awaitOrFail(() -> lines(file).size() == 1, Duration.ofSeconds(30), () -> "a line, got " + lines(file));
        JsonObject line = JsonParser.parseString(lines(file).get(0)).getAsJsonObject();
        assertThat(line.get("requestId").getAsString()).isEqualTo(ok.header("X-Request-Id"));
        assertThat(line.get("path").getAsString()).isEqualTo("/api/users/\u00e9");
        assertThat(line.get("status").getAsInt()).isEqualTo(200);

        for (int i = 0; i < 20; i++) {
            RawHttp.send(server.port(), "GET /api/users/" + i + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        }
        // a client can read a whole response before its exchange completes, and this server does not drain on close
        awaitOrFail(() -> server.inFlight() == 0, Duration.ofSeconds(10), () -> "no request in flight");
        server.close();
        assertThat(lines(file)).hasSize(21).allSatisfy(each -> assertThat(JsonParser.parseString(each)
                .getAsJsonObject().get("status").getAsInt()).isEqualTo(200));
    }

    @Test
    void linesAFileCouldNotTakeAreCountedAsDroppedAndRequestsGoOn() throws Exception {
        Path full = Path.of("/dev/full"); // every write fails with ENOSPC
        assumeTrue(Files.isWritable(full), "needs Linux's /dev/full");
        AccessLog log = AccessLog.builder().file(full).build();
        PorticoServer server = start(log);

        for (int i = 0; i < 3; i++) {
            assertThat(RawHttp.send(server.port(), "GET /api/users/" + i + " HTTP/1.1\r\nHost: x\r\n"
                    + "Connection: close\r\n\r\n").status()).isEqualTo(200);
        }
        awaitOrFail(() -> log.dropped() == 3, Duration.ofSeconds(30), () -> "3 dropped, got " + log.dropped());
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
