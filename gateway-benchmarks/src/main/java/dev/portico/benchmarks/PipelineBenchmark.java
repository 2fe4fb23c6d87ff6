package dev.portico.benchmarks;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import dev.portico.core.Body;
import dev.portico.core.Gateway;
import dev.portico.core.Headers;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.auth.JwtAuth;
import dev.portico.core.observe.AccessLog;
import dev.portico.core.observe.RequestIds;
import dev.portico.core.observe.Telemetry;
import dev.portico.core.ratelimit.LocalRateLimiter;
import dev.portico.core.ratelimit.RateLimit;
import dev.portico.core.ratelimit.RateLimitKey;
import dev.portico.core.spi.CallOptions;
import dev.portico.core.spi.Exchanges;
import dev.portico.core.spi.GatewayExchange;
import dev.portico.core.spi.Requests;
import dev.portico.core.spi.UpstreamClient;
import dev.portico.core.upstream.CallListener;
import dev.portico.core.upstream.CallOutcome;
import dev.portico.core.upstream.Endpoint;
import dev.portico.core.upstream.Upstream;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What one proxied request costs the gateway's core, from the adapter's hand-over to its completion, with an
 * upstream that answers at once (a typical 8-field response): no sockets, so the figure is the pipeline's own CPU
 * time, free of the launch-to-launch noise of the socket harness. {@code mode}: {@code plain} (request ids off, no
 * telemetry: the pipeline before observability), {@code defaults} (request ids on, no telemetry: what
 * {@code bench-proxy} runs), {@code api} (telemetry through the API with no SDK, {@code OpenTelemetry.noop()}),
 * {@code sdk} (the SDK, every span recorded and none exported, metrics in memory) and {@code full} (HS256 JWT with
 * its cache, a local rate limit, the SDK and the access log, whose writer thread is not measured here).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PipelineBenchmark {

    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 50000);
    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 19104);
    private static final String SECRET = "bench-secret-of-at-least-thirty-two-bytes";
    private static final Logger ACCESS = Logger.getLogger("dev.portico.bench.pipeline.access");

    /** What the gateway does besides proxying. */
    @Param({"plain", "defaults", "api", "sdk", "full"})
    public String mode;

    private Gateway gateway;
    private Headers headers;
    private final UpstreamClient client = new AnsweringClient();
    private OpenTelemetrySdk sdk;

    @Setup
    public void setUp() {
        Gateway.Builder builder = Gateway.builder();
        Route.Builder route = Route.any("/**").id("bench");
        Headers.Builder sent = Headers.builder().add("Host", "127.0.0.1:19104");
        switch (mode) {
            case "plain" -> builder.requestIds(RequestIds.disabled());
            case "defaults" -> { }
            case "api" -> builder.telemetry(Telemetry.of(OpenTelemetry.noop()));
            case "sdk" -> builder.telemetry(Telemetry.of(sdk = sdk()));
            case "full" -> {
                builder.telemetry(Telemetry.of(sdk = sdk()));
                ACCESS.setLevel(Level.OFF); // the lines are built on the writer thread, then not written
                builder.accessLog(AccessLog.builder().loggerName(ACCESS.getName()).build());
                route.filter(JwtAuth.builder().hs256(SECRET.getBytes(StandardCharsets.UTF_8)).build());
                route.filter(RateLimit.by(RateLimitKey.clientIp()).name("bench").limit(1_000_000_000, Duration.ofMinutes(1))
                        .limiter(LocalRateLimiter.create()).build());
                sent.add("Authorization", "Bearer " + JWT.create().withSubject("bench")
                        .withExpiresAt(Instant.now().plusSeconds(3600))
                        .sign(Algorithm.HMAC256(SECRET.getBytes(StandardCharsets.UTF_8))));
            }
            default -> throw new IllegalArgumentException("mode: " + mode);
        }
        gateway = builder.route(route.to(Upstream.of("bench-upstream", "http://127.0.0.1:19001"))).build();
        headers = sent.build();
    }

    @TearDown
    public void tearDown() throws Exception {
        gateway.close();
        if (sdk != null) {
            sdk.close();
        }
    }

    /** One request from the adapter's hand-over to its completion; returns the response the client would get. */
    @Benchmark
    public Response request() {
        Request request = Requests.of("GET", "/", null, "http", "1.1", headers, Body.empty());
        GatewayExchange exchange = Exchanges.start(gateway, request, PEER, LOCAL, client);
        Response response = exchange.response().toCompletableFuture().join();
        exchange.complete(response.status(), 0, response.body().length(), null);
        return response;
    }

    private static OpenTelemetrySdk sdk() {
        MetricReader reader = InMemoryMetricReader.create();
        return OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(new RecordOnly()).build())
                .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
    }

    /** Records every span, exports none. */
    private static final class RecordOnly implements SpanProcessor {
        @Override
        public void onStart(Context parent, ReadWriteSpan span) {
        }

        @Override
        public boolean isStartRequired() {
            return false;
        }

        @Override
        public void onEnd(ReadableSpan span) {
        }

        @Override
        public boolean isEndRequired() {
            return false;
        }
    }

    /** An upstream that answers every request at once, as nginx answers the harness, and reports the outcomes. */
    private static final class AnsweringClient implements UpstreamClient {

        private static final byte[] BODY = "{\"ok\":true}".getBytes(StandardCharsets.US_ASCII);
        private final Headers answer = Headers.of(
                "Server", "nginx/1.22.1",
                "Date", "Mon, 07 Dec 2026 06:00:00 GMT",
                "Content-Type", "application/json",
                "Content-Length", String.valueOf(BODY.length),
                "Connection", "keep-alive",
                "Cache-Control", "no-cache",
                "ETag", "\"5f2a9c3e-b\"",
                "Vary", "Accept-Encoding");

        @Override
        public CompletionStage<Response> send(Endpoint endpoint, Request request, CallOptions options) {
            Response response = Response.builder(200).headers(answer).body(Body.of(BODY)).build();
            report(options, endpoint, CallOutcome.Kind.RESPONSE);
            report(options, endpoint, CallOutcome.Kind.BODY_FINISHED);
            return CompletableFuture.completedFuture(response);
        }

        private static void report(CallOptions options, Endpoint endpoint, CallOutcome.Kind kind) {
            CallOutcome outcome = new CallOutcome(options.upstream(), endpoint, kind, 200, Duration.ofNanos(50_000), false);
            for (CallListener listener : options.listeners()) {
                listener.onOutcome(outcome);
            }
        }
    }
}
