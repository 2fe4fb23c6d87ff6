package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.aggregate.Aggregator;
import dev.portico.core.aggregate.Part;
import dev.portico.core.observe.Telemetry;
import dev.portico.core.ratelimit.RateLimit;
import dev.portico.core.resilience.CircuitBreaker;
import dev.portico.core.resilience.RetryPolicy;
import dev.portico.core.upstream.OutlierDetection;
import dev.portico.core.upstream.Upstream;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.undertow.util.HttpString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Traces and metrics over real sockets, recorded by the OpenTelemetry SDK's in-memory exporter and reader: a client
 * sends a trace context, the gateway continues it in its server span and its client spans, and a real backend checks
 * that it received the same trace.
 */
class TelemetrySocketTest {

    private static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_SPAN = "00f067aa0ba902b7";
    private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    private static final AttributeKey<String> PROTOCOL_VERSION = AttributeKey.stringKey("network.protocol.version");
    private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    private static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    private static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    private static final AttributeKey<String> UPSTREAM = AttributeKey.stringKey("portico.upstream");

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final InMemoryMetricReader metrics = InMemoryMetricReader.create();
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
            .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(metrics).build())
            .setPropagators(ContextPropagators.create(TextMapPropagator.composite(
                    W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance())))
            .build();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final List<Map<String, String>> received = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        sdk.close();
    }

    /** A backend that records the trace headers it receives and answers {@code status} (200 unless told). */
    private Backend backend(AtomicInteger... statuses) {
        AtomicInteger calls = new AtomicInteger();
        Backend backend = Backend.start(exchange -> {
            received.add(Map.of(
                    "traceparent", Optional.ofNullable(exchange.getRequestHeaders().getFirst("traceparent")).orElse(""),
                    "tracestate", Optional.ofNullable(exchange.getRequestHeaders().getFirst("tracestate")).orElse(""),
                    "baggage", Optional.ofNullable(exchange.getRequestHeaders().getFirst("baggage")).orElse("")));
            int call = calls.getAndIncrement();
            int status = call < statuses.length ? statuses[call].get() : 200;
            exchange.setStatusCode(status);
            exchange.getResponseHeaders().put(HttpString.tryFromString("Content-Type"), "application/json");
            exchange.getResponseSender().send("{\"call\":" + call + "}");
        });
        resources.add(backend);
        return backend;
    }

    private PorticoServer serve(Gateway.Builder gateway) {
        PorticoServer server = PorticoServer.builder(gateway.telemetry(Telemetry.of(sdk)).build()).port(0)
                .drainTimeout(Duration.ZERO).start();
        resources.add(server);
        return server;
    }

    private HttpResponse<String> get(PorticoServer server, String target, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + target))
                .timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Waits (30 s at most) until this many spans have ended, and returns them. */
    private List<SpanData> ended(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (spans.getFinishedSpanItems().size() < count && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        List<SpanData> finished = spans.getFinishedSpanItems();
        assertThat(finished).hasSizeGreaterThanOrEqualTo(count);
        return finished;
    }

    private static List<SpanData> of(List<SpanData> spans, SpanKind kind) {
        return spans.stream().filter(span -> span.getKind() == kind).collect(Collectors.toList());
    }

    private MetricData metric(String name) {
        Collection<MetricData> all = metrics.collectAllMetrics();
        return all.stream().filter(m -> m.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no metric " + name + " among " + all.stream().map(MetricData::getName).toList()));
    }

    private static Attributes attributes(String name, Object... keysAndValues) {
        var builder = Attributes.builder();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            Object value = keysAndValues[i + 1];
            if (value instanceof Long l) {
                builder.put(AttributeKey.longKey((String) keysAndValues[i]), l);
            } else {
                builder.put(AttributeKey.stringKey((String) keysAndValues[i]), (String) value);
            }
        }
        return builder.build();
    }

    @Test
    void theClientsTraceStateAndBaggageAreContinuedByTheServerSpanAndTheClientSpanAndReachTheBackend() throws Exception {
        Backend backend = backend();
        PorticoServer server = serve(Gateway.builder()
                .route(Route.get("/api/users/{id}").id("users").to(Upstream.of("users", backend.url()))));

        HttpResponse<String> response = get(server, "/api/users/42?x=1",
                "traceparent", "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01", "tracestate", "vendor=opaque",
                "baggage", "tenant=acme");

        assertThat(response.statusCode()).isEqualTo(200);
        List<SpanData> finished = ended(2);
        SpanData serverSpan = of(finished, SpanKind.SERVER).get(0);
        SpanData clientSpan = of(finished, SpanKind.CLIENT).get(0);
        assertThat(serverSpan.getName()).isEqualTo("GET /api/users/{id}");
        assertThat(serverSpan.getTraceId()).isEqualTo(CLIENT_TRACE);
        assertThat(serverSpan.getParentSpanId()).isEqualTo(CLIENT_SPAN);
        assertThat(serverSpan.getParentSpanContext().isRemote()).isTrue();
        Attributes attributes = serverSpan.getAttributes();
        assertThat(attributes.get(METHOD)).isEqualTo("GET");
        assertThat(attributes.get(ROUTE)).isEqualTo("/api/users/{id}");
        assertThat(attributes.get(STATUS)).isEqualTo(200L);
        assertThat(attributes.get(AttributeKey.stringKey("url.scheme"))).isEqualTo("http");
        assertThat(attributes.get(PROTOCOL_VERSION)).isEqualTo("1.1");
        assertThat(attributes.get(AttributeKey.stringKey("client.address"))).isEqualTo("127.0.0.1");
        assertThat(attributes.get(SERVER_ADDRESS)).isEqualTo("127.0.0.1");
        assertThat(attributes.get(ERROR_TYPE)).isNull();
        assertThat(attributes.asMap().values()).noneMatch(v -> v.toString().contains("/api/users/42"));
        assertThat(serverSpan.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);

        assertThat(clientSpan.getName()).isEqualTo("GET");
        assertThat(clientSpan.getTraceId()).isEqualTo(CLIENT_TRACE);
        assertThat(clientSpan.getParentSpanId()).isEqualTo(serverSpan.getSpanId());
        assertThat(clientSpan.getAttributes().get(SERVER_ADDRESS)).isEqualTo("127.0.0.1");
        assertThat(clientSpan.getAttributes().get(SERVER_PORT)).isEqualTo((long) backend.port());
        assertThat(clientSpan.getAttributes().get(STATUS)).isEqualTo(200L);
        assertThat(clientSpan.getAttributes().get(UPSTREAM)).isEqualTo("users");
        assertThat(clientSpan.getEndEpochNanos()).isLessThanOrEqualTo(serverSpan.getEndEpochNanos());

        // the backend received the same trace, as a child of the gateway's client span, and the client's baggage
        assertThat(received).hasSize(1);
        assertThat(received.get(0).get("traceparent"))
                .isEqualTo("00-" + CLIENT_TRACE + "-" + clientSpan.getSpanId() + "-01");
        assertThat(received.get(0).get("tracestate")).isEqualTo("vendor=opaque");
        assertThat(received.get(0).get("baggage")).contains("tenant=acme");
    }

    @Test
    void theHostHeadersPortIsTheServerPort() throws Exception {
        PorticoServer server = serve(Gateway.builder().route(Route.get("/x").handler((r, c) ->
                java.util.concurrent.CompletableFuture.completedFuture(dev.portico.core.Response.text(200, "x")))));

        assertThat(get(server, "/x").statusCode()).isEqualTo(200);

        SpanData serverSpan = ended(1).get(0);
        assertThat(serverSpan.getAttributes().get(SERVER_PORT)).isEqualTo((long) server.port());
    }

    @Test
    void theProtocolVersionIsTheOneTheClientSpoke() throws Exception {
        PorticoServer server = serve(Gateway.builder().route(Route.get("/x").handler((r, c) ->
                java.util.concurrent.CompletableFuture.completedFuture(dev.portico.core.Response.text(200, "x")))));

        RawHttp.Reply reply = RawHttp.send(server.port(), "GET /x HTTP/1.0\r\nHost: gateway.example\r\n\r\n");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(ended(1).get(0).getAttributes().get(PROTOCOL_VERSION)).isEqualTo("1.0");
    }

    @Test
    void aMalformedTraceparentStartsANewTraceAndTheBackendGetsIt() throws Exception {
        Backend backend = backend();
        PorticoServer server = serve(Gateway.builder().route(Route.get("/a").to(Upstream.of("a", backend.url()))));

        HttpResponse<String> response = get(server, "/a", "traceparent", "00-not-a-trace-01");

        assertThat(response.statusCode()).isEqualTo(200);
        List<SpanData> finished = ended(2);
        SpanData serverSpan = of(finished, SpanKind.SERVER).get(0);
        SpanData clientSpan = of(finished, SpanKind.CLIENT).get(0);
        assertThat(serverSpan.getParentSpanContext().isValid()).isFalse();
        assertThat(clientSpan.getTraceId()).isEqualTo(serverSpan.getTraceId());
        assertThat(received.get(0).get("traceparent")).startsWith("00-" + serverSpan.getTraceId() + "-" + clientSpan.getSpanId());
    }

    @Test
    void anUnmatchedRequestIsNamedByItsMethodAloneAndCarriesNoRoute() throws Exception {
        PorticoServer server = serve(Gateway.builder().route(Route.get("/known").to(Upstream.of("a", "http://127.0.0.1:9"))));

        assertThat(get(server, "/unknown/123").statusCode()).isEqualTo(404);

        SpanData serverSpan = ended(1).get(0);
        assertThat(serverSpan.getName()).isEqualTo("GET");
        assertThat(serverSpan.getAttributes().get(ROUTE)).isNull();
        assertThat(serverSpan.getAttributes().get(STATUS)).isEqualTo(404L);
        assertThat(serverSpan.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    }

    @Test
    void eachRetryAttemptHasItsOwnClientSpanUnderTheServerSpanAndIsCounted() throws Exception {
        Backend backend = backend(new AtomicInteger(503), new AtomicInteger(503));
        PorticoServer server = serve(Gateway.builder().route(Route.get("/r")
                .retries(RetryPolicy.builder().maxAttempts(3).statuses(503)
                        .backoff(Duration.ofMillis(1), Duration.ofMillis(5)).build())
                .to(Upstream.of("flaky", backend.url()))));

        assertThat(get(server, "/r").statusCode()).isEqualTo(200);

        List<SpanData> finished = ended(4);
        SpanData serverSpan = of(finished, SpanKind.SERVER).get(0);
        List<SpanData> attempts = of(finished, SpanKind.CLIENT);
        assertThat(attempts).hasSize(3).allSatisfy(span -> {
            assertThat(span.getParentSpanId()).isEqualTo(serverSpan.getSpanId());
            assertThat(span.getTraceId()).isEqualTo(serverSpan.getTraceId());
        });
        attempts.sort(java.util.Comparator.comparingLong(SpanData::getStartEpochNanos));
        assertThat(attempts.get(0).getAttributes().get(STATUS)).isEqualTo(503L);
        assertThat(attempts.get(0).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(attempts.get(0).getAttributes().get(AttributeKey.longKey("http.request.resend_count"))).isNull();
        assertThat(attempts.get(1).getAttributes().get(AttributeKey.longKey("http.request.resend_count"))).isEqualTo(1L);
        assertThat(attempts.get(2).getAttributes().get(AttributeKey.longKey("http.request.resend_count"))).isEqualTo(2L);
        assertThat(attempts.get(2).getAttributes().get(STATUS)).isEqualTo(200L);
        assertThat(attempts.get(2).getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        // each attempt carried its own span's context to the backend
        assertThat(received).extracting(m -> m.get("traceparent").split("-")[2])
                .containsExactlyElementsOf(attempts.stream().map(SpanData::getSpanId).toList());

        MetricData retries = metric("portico.upstream.retries");
        assertThat(retries.getUnit()).isEqualTo("{attempt}");
        assertThat(retries.getLongSumData().getPoints()).singleElement().satisfies(point -> {
            assertThat(point.getValue()).isEqualTo(2);
            assertThat(point.getAttributes()).isEqualTo(attributes("", "portico.upstream", "flaky"));
        });
    }

    @Test
    void eachAggregationPartHasAClientSpanAndAPartialResponseIsCounted() throws Exception {
        Backend backend = backend(new AtomicInteger(200), new AtomicInteger(200));
        Backend broken = Backend.start(exchange -> {
            exchange.setStatusCode(500);
            exchange.endExchange();
        });
        resources.add(broken);
        Upstream service = Upstream.of("service", backend.url());
        PorticoServer server = serve(Gateway.builder().route(Route.get("/agg/{id}").handler(Aggregator.builder()
                .part("a", Part.get(service, "/a"))
                .part("b", Part.get(service, "/b"))
                .part("c", Part.get(Upstream.of("broken", broken.url()), "/c").optional())
                .build())));

        HttpResponse<String> response = get(server, "/agg/7", "traceparent", "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Gateway-Partial")).hasValue("true");
        List<SpanData> finished = ended(4);
        SpanData serverSpan = of(finished, SpanKind.SERVER).get(0);
        assertThat(serverSpan.getName()).isEqualTo("GET /agg/{id}");
        assertThat(serverSpan.getAttributes().get(AttributeKey.booleanKey("portico.aggregation.partial"))).isTrue();
        List<SpanData> parts = of(finished, SpanKind.CLIENT);
        assertThat(parts).hasSize(3).allSatisfy(span -> {
            assertThat(span.getParentSpanId()).isEqualTo(serverSpan.getSpanId());
            assertThat(span.getTraceId()).isEqualTo(CLIENT_TRACE);
        });
        assertThat(parts).extracting(span -> span.getAttributes().get(UPSTREAM))
                .containsExactlyInAnyOrder("service", "service", "broken");
        assertThat(received).extracting(m -> m.get("traceparent")).allMatch(t -> t.contains(CLIENT_TRACE));

        MetricData partial = metric("portico.aggregation.partial_responses");
        assertThat(partial.getUnit()).isEqualTo("{response}");
        assertThat(partial.getLongSumData().getPoints()).singleElement().satisfies(point -> {
            assertThat(point.getValue()).isEqualTo(1);
            assertThat(point.getAttributes()).isEqualTo(attributes("", "http.route", "/agg/{id}"));
        });
    }

    @Test
    void anUpstreamTimeoutSetsErrorStatusOnBothSpans() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Backend slow = Backend.start(exchange -> exchange.dispatch(() -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.endExchange();
        }));
        resources.add(slow);
        resources.add(release::countDown);
        PorticoServer server = serve(Gateway.builder().route(Route.get("/slow").timeout(Duration.ofMillis(200))
                .to(Upstream.of("slow", slow.url()))));

        assertThat(get(server, "/slow").statusCode()).isEqualTo(504);

        List<SpanData> finished = ended(2);
        SpanData serverSpan = of(finished, SpanKind.SERVER).get(0);
        SpanData clientSpan = of(finished, SpanKind.CLIENT).get(0);
        assertThat(serverSpan.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(serverSpan.getAttributes().get(ERROR_TYPE)).isEqualTo("gateway_timeout");
        assertThat(serverSpan.getAttributes().get(STATUS)).isEqualTo(504L);
        assertThat(clientSpan.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(clientSpan.getAttributes().get(ERROR_TYPE)).isEqualTo("timeout");
    }

    @Test
    void aRateLimitRejectionIsVisibleOnTheSpanAndCounted() throws Exception {
        PorticoServer server = serve(Gateway.builder().route(Route.get("/limited/{id}")
                .filter(RateLimit.perClientIp(1, Duration.ofMinutes(1)))
                .handler((r, c) -> java.util.concurrent.CompletableFuture.completedFuture(
                        dev.portico.core.Response.text(200, "ok")))));

        assertThat(get(server, "/limited/1").statusCode()).isEqualTo(200);
        assertThat(get(server, "/limited/2").statusCode()).isEqualTo(429);

        List<SpanData> finished = ended(2);
        SpanData rejected = finished.stream().filter(s -> s.getAttributes().get(STATUS) == 429L).findFirst().orElseThrow();
        assertThat(rejected.getName()).isEqualTo("GET /limited/{id}");
        assertThat(rejected.getAttributes().get(AttributeKey.stringKey("portico.error"))).isNotBlank();
        assertThat(rejected.getEvents()).extracting(e -> e.getName()).contains("portico.rejected");
        MetricData rejections = metric("portico.rate_limit.rejections");
        assertThat(rejections.getUnit()).isEqualTo("{request}");
        assertThat(rejections.getLongSumData().getPoints()).singleElement().satisfies(point -> {
            assertThat(point.getValue()).isEqualTo(1);
            assertThat(point.getAttributes()).isEqualTo(attributes("", "http.route", "/limited/{id}"));
        });
    }

    @Test
    void aRefusedConnectionSetsErrorStatusWithTheFailuresKind() throws Exception {
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        PorticoServer server = serve(Gateway.builder().route(Route.get("/down")
                .to(Upstream.of("down", "http://127.0.0.1:" + closed))));

        assertThat(get(server, "/down").statusCode()).isEqualTo(502);

        List<SpanData> finished = ended(2);
        SpanData serverSpan = of(finished, SpanKind.SERVER).get(0);
        SpanData clientSpan = of(finished, SpanKind.CLIENT).get(0);
        assertThat(serverSpan.getAttributes().get(ERROR_TYPE)).isEqualTo("bad_gateway");
        assertThat(serverSpan.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(clientSpan.getAttributes().get(ERROR_TYPE)).isEqualTo("connect_failure");
        assertThat(clientSpan.getAttributes().get(SERVER_PORT)).isEqualTo((long) closed);
        assertThat(clientSpan.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        HistogramPointData client = (HistogramPointData) metric("http.client.request.duration").getHistogramData()
                .getPoints().iterator().next();
        assertThat(client.getAttributes().get(ERROR_TYPE)).isEqualTo("connect_failure");
        assertThat(client.getAttributes().get(STATUS)).isNull();
    }

    @Test
    void anAuthenticationRejectionIsVisibleOnTheSpan() throws Exception {
        PorticoServer server = serve(Gateway.builder().route(Route.get("/private")
                .filter(dev.portico.core.auth.ApiKeyAuth.builder().key("app", "basic", java.util.Set.of(), "s3cr3t-key").build())
                .handler((r, c) -> java.util.concurrent.CompletableFuture.completedFuture(
                        dev.portico.core.Response.text(200, "ok")))));

        assertThat(get(server, "/private", "X-Api-Key", "wrong").statusCode()).isEqualTo(401);

        SpanData span = ended(1).get(0);
        assertThat(span.getAttributes().get(AttributeKey.stringKey("portico.error"))).isEqualTo("unauthorized");
        assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(span.getEvents()).singleElement().satisfies(event -> {
            assertThat(event.getName()).isEqualTo("portico.rejected");
            assertThat(event.getAttributes().get(STATUS)).isEqualTo(401L);
        });
        assertThat(span.getAttributes().asMap().values()).noneMatch(v -> v.toString().contains("wrong"));
    }

    @Test
    void aCallTheOpenBreakerRefusesHasNoClientSpanAndTheGaugeShowsOpen() throws Exception {
        Backend backend = backend(new AtomicInteger(500));
        PorticoServer server = serve(Gateway.builder().route(Route.get("/b").to(Upstream.builder("fragile")
                .instance(backend.url())
                .circuitBreaker(CircuitBreaker.builder().window(1, 1).failureRate(0.5).openFor(Duration.ofMinutes(5)).build())
                .build())));

        assertThat(get(server, "/b").statusCode()).isEqualTo(500);
        assertThat(get(server, "/b").statusCode()).isEqualTo(503);

        List<SpanData> finished = ended(3);
        assertThat(of(finished, SpanKind.CLIENT)).hasSize(1);
        SpanData refused = of(finished, SpanKind.SERVER).stream()
                .filter(s -> s.getAttributes().get(STATUS) == 503L).findFirst().orElseThrow();
        assertThat(refused.getAttributes().get(ERROR_TYPE)).isEqualTo("service_unavailable");
        MetricData breaker = metric("portico.upstream.circuit_breaker.state");
        assertThat(breaker.getUnit()).isEqualTo("{state}");
        assertThat(breaker.getLongGaugeData().getPoints()).filteredOn(p -> p.getValue() == 1)
                .extracting(p -> p.getAttributes().get(AttributeKey.stringKey("portico.circuit_breaker.state")))
                .containsExactly("open");
    }

    @Test
    void durationsAndActiveRequestsAreRecordedWithTheConventionsNamesUnitsAndAttributes() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Backend backend = Backend.start(exchange -> exchange.dispatch(() -> {
            arrived.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.getResponseSender().send("done");
        }));
        resources.add(backend);
        resources.add(release::countDown);
        PorticoServer server = serve(Gateway.builder().route(Route.get("/items/{id}").to(Upstream.of("items", backend.url()))));

        var pending = http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/items/9"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(arrived.await(30, TimeUnit.SECONDS)).isTrue();
        Attributes activeAttributes = attributes("", "http.request.method", "GET", "url.scheme", "http");
        assertThat(activeValue(activeAttributes)).isEqualTo(1);
        release.countDown();
        assertThat(pending.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        ended(2); // the server span ends with the request's completion, so the metrics are recorded by now

        assertThat(activeValue(activeAttributes)).isZero();
        MetricData serverDuration = metric("http.server.request.duration");
        assertThat(serverDuration.getUnit()).isEqualTo("s");
        HistogramPointData point = (HistogramPointData) serverDuration.getHistogramData().getPoints().iterator().next();
        assertThat(point.getCount()).isEqualTo(1);
        assertThat(point.getAttributes()).isEqualTo(attributes("", "http.request.method", "GET", "url.scheme", "http",
                "http.route", "/items/{id}", "http.response.status_code", 200L));
        assertThat(point.getSum()).isGreaterThan(0).isLessThan(30);
        assertThat(point.getBoundaries()).startsWith(0.005, 0.01, 0.025);

        MetricData clientDuration = metric("http.client.request.duration");
        assertThat(clientDuration.getUnit()).isEqualTo("s");
        HistogramPointData client = (HistogramPointData) clientDuration.getHistogramData().getPoints().iterator().next();
        assertThat(client.getCount()).isEqualTo(1);
        assertThat(client.getAttributes()).isEqualTo(attributes("", "http.request.method", "GET",
                "server.address", "127.0.0.1", "server.port", (long) backend.port(), "url.scheme", "http",
                "portico.upstream", "items", "http.response.status_code", 200L));
    }

    private long activeValue(Attributes attributes) {
        MetricData active = metric("http.server.active_requests");
        assertThat(active.getUnit()).isEqualTo("{request}");
        return active.getLongSumData().getPoints().stream().filter(p -> p.getAttributes().equals(attributes))
                .mapToLong(LongPointData::getValue).sum();
    }

    @Test
    void thousandsOfRandomPathsKeepTheMetricsCardinalityBounded() throws Exception {
        PorticoServer server = serve(Gateway.builder().route(Route.get("/items/{id}").handler((r, c) ->
                java.util.concurrent.CompletableFuture.completedFuture(dev.portico.core.Response.text(200, "ok")))));
        List<String> randoms = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            String random = UUID.randomUUID().toString();
            randoms.add(random);
            String target = i % 2 == 0 ? "/items/" + random : "/" + random + "/x";
            assertThat(get(server, target).statusCode()).isEqualTo(i % 2 == 0 ? 200 : 404);
        }
        ended(2000);

        MetricData duration = metric("http.server.request.duration");
        Collection<? extends PointData> points = duration.getHistogramData().getPoints();
        assertThat(points).hasSize(2); // the route's 200s and the unmatched 404s, whatever the paths
        assertThat(points).extracting(p -> p.getAttributes().get(ROUTE)).containsExactlyInAnyOrder("/items/{id}", null);
        Predicate<Object> leaks = value -> randoms.stream().anyMatch(r -> value.toString().contains(r));
        for (MetricData metric : metrics.collectAllMetrics()) {
            for (PointData p : metric.getData().getPoints()) {
                assertThat(p.getAttributes().asMap().values()).noneMatch(leaks);
            }
        }
    }

    @Test
    void unknownMethodsShareOneValue() throws Exception {
        PorticoServer server = serve(Gateway.builder().route(Route.any("/m").handler((r, c) ->
                java.util.concurrent.CompletableFuture.completedFuture(dev.portico.core.Response.text(200, "ok")))));
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/m"))
                    .method("X" + i, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isLessThan(500);
        }
        List<SpanData> finished = ended(5);
        assertThat(finished).allSatisfy(span -> {
            assertThat(span.getName()).isEqualTo("HTTP /m"); // the conventions' name for an unknown method
            assertThat(span.getAttributes().get(METHOD)).isEqualTo("_OTHER");
            assertThat(span.getAttributes().get(AttributeKey.stringKey("http.request.method_original"))).startsWith("X");
        });
        assertThat(metric("http.server.request.duration").getHistogramData().getPoints())
                .extracting(p -> p.getAttributes().get(METHOD)).containsOnly("_OTHER");
    }

    @Test
    void aProxiedUnknownMethodNamesBothSpansHttp() throws Exception {
        PorticoServer server = serve(Gateway.builder().route(Route.any("/p").to(Upstream.of("app", backend().url()))));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                        + "/p")).method("PURGE", HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        List<SpanData> finished = ended(2);
        assertThat(of(finished, SpanKind.SERVER)).extracting(SpanData::getName).containsExactly("HTTP /p");
        assertThat(of(finished, SpanKind.CLIENT)).extracting(SpanData::getName).containsExactly("HTTP");
    }

    /** A gateway with this telemetry: a proxied route, and an aggregation whose part is sent no caller header. */
    private PorticoServer propagationGateway(Telemetry telemetry) {
        Upstream app = Upstream.of("app", backend().url());
        PorticoServer server = PorticoServer.builder(Gateway.builder()
                        .route(Route.get("/p").to(app))
                        .route(Route.get("/agg").handler(Aggregator.builder().part("a", Part.get(app, "/a"))
                                .forwardHeaders().build()))
                        .route(Route.get("/context").handler((request, context) -> CompletableFuture.completedFuture(
                                Response.text(200, String.valueOf(context.get(Telemetry.CONTEXT) != null)))))
                        .telemetry(telemetry).build())
                .port(0).drainTimeout(Duration.ZERO).start();
        resources.add(server);
        return server;
    }

    @Test
    void withPropagatorsAloneNothingIsRecordedButEveryUpstreamCallContinuesTheClientsTrace() throws Exception {
        PorticoServer server = propagationGateway(Telemetry.of(OpenTelemetry.propagating(
                ContextPropagators.create(W3CTraceContextPropagator.getInstance()))));
        String parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

        assertThat(get(server, "/p", "traceparent", parent).statusCode()).isEqualTo(200);
        assertThat(get(server, "/agg", "traceparent", parent).statusCode()).isEqualTo(200);
        assertThat(get(server, "/context", "traceparent", parent).body()).isEqualTo("true");

        assertThat(received).extracting(headers -> headers.get("traceparent")).containsExactly(parent, parent);
        assertThat(spans.getFinishedSpanItems()).isEmpty();
        assertThat(metrics.collectAllMetrics()).isEmpty();
    }

    @Test
    void withTheApiAloneTheGatewayDoesNothingForTelemetry() throws Exception {
        PorticoServer server = propagationGateway(Telemetry.of(OpenTelemetry.noop()));
        String parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

        assertThat(get(server, "/p", "traceparent", parent).statusCode()).isEqualTo(200);
        assertThat(get(server, "/agg", "traceparent", parent).statusCode()).isEqualTo(200);
        assertThat(get(server, "/context", "traceparent", parent).body()).isEqualTo("false");

        // the proxied request carries the client's header as it carries every header; the part is sent none
        assertThat(received).extracting(headers -> headers.get("traceparent")).containsExactly(parent, "");
    }

    @Test
    void theGaugesReportBreakerStatesAndInstancesOfTheServedUpstreams() throws Exception {
        Backend backend = backend();
        PorticoServer server = serve(Gateway.builder().route(Route.get("/g").to(Upstream.builder("guarded")
                .instance(backend.url()).instance("http://127.0.0.1:" + backend.port() + "/other")
                .circuitBreaker(CircuitBreaker.builder().build()).build())));

        assertThat(get(server, "/g").statusCode()).isEqualTo(200);

        Collection<MetricData> all = metrics.collectAllMetrics();
        MetricData breaker = all.stream().filter(m -> m.getName().equals("portico.upstream.circuit_breaker.state")).findFirst().orElseThrow();
        assertThat(breaker.getUnit()).isEqualTo("{state}");
        assertThat(breaker.getLongGaugeData().getPoints()).extracting(p -> p.getAttributes().get(
                AttributeKey.stringKey("portico.circuit_breaker.state")) + "=" + p.getValue())
                .containsExactlyInAnyOrder("closed=1", "open=0", "half_open=0");
        MetricData instances = all.stream().filter(m -> m.getName().equals("portico.upstream.instances")).findFirst().orElseThrow();
        assertThat(instances.getUnit()).isEqualTo("{instance}");
        assertThat(instances.getLongGaugeData().getPoints()).extracting(p -> p.getAttributes().get(
                AttributeKey.stringKey("portico.instance.state")) + "=" + p.getValue())
                .containsExactlyInAnyOrder("available=2", "ejected=0", "unhealthy=0");
    }

    @Test
    void theInstancesGaugeCountsEjectedInstancesEvenWhenEveryOneIsOut() throws Exception {
        Backend failing = backend(new AtomicInteger(500), new AtomicInteger(500), new AtomicInteger(500));
        Upstream app = Upstream.builder("app").instance(failing.url())
                .instance("http://127.0.0.1:" + failing.port() + "/other")
                .outlierDetection(OutlierDetection.builder().consecutiveFailures(1).maxEjectedShare(1.0)
                        .baseEjectionTime(Duration.ofMinutes(5)).build())
                .build();
        PorticoServer server = serve(Gateway.builder().route(Route.get("/g").to(app)));

        assertThat(get(server, "/g").statusCode()).isEqualTo(500);
        assertThat(get(server, "/g").statusCode()).isEqualTo(500);
        assertThat(app.ejectedEndpoints()).hasSize(2); // every instance out: calls go on to all of them (panic)

        MetricData instances = metric("portico.upstream.instances");
        assertThat(instances.getUnit()).isEqualTo("{instance}");
        assertThat(instances.getLongGaugeData().getPoints()).extracting(p -> p.getAttributes().get(
                AttributeKey.stringKey("portico.instance.state")) + "=" + p.getValue())
                .containsExactlyInAnyOrder("available=0", "ejected=2", "unhealthy=0");
    }
}
