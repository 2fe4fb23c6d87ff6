package dev.portico.grpc;

import com.google.gson.JsonObject;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.aggregate.Aggregator;
import dev.portico.core.aggregate.Part;
import dev.portico.core.observe.Telemetry;
import dev.portico.undertow.PorticoServer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.portico.grpc.Http.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * gRPC calls in the gateway's traces and metrics, recorded by the OpenTelemetry SDK's in-memory exporter and reader:
 * a client span per call under the request's server span, its context received by the real gRPC server, the call's
 * duration, and a service's own status told apart from the gateway's rejections.
 */
class GrpcTelemetryTest {

    private static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
    private static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
    private static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
    private static final AttributeKey<Long> GRPC_STATUS = AttributeKey.longKey("rpc.grpc.status_code");
    private static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    private static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    private static final AttributeKey<String> PORTICO_ERROR = AttributeKey.stringKey("portico.error");

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final InMemoryMetricReader metrics = InMemoryMetricReader.create();
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
            .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(metrics).build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    private ShopServer shop;
    private GrpcTranscoder transcoder;
    private PorticoServer gateway;
    private Http http;

    @BeforeEach
    void start() {
        shop = new ShopServer();
        Telemetry telemetry = Telemetry.of(sdk);
        transcoder = GrpcTranscoder.builder(shop.target()).descriptorSet(Shops.DESCRIPTOR_SET).telemetry(telemetry).build();
        Gateway.Builder routes = Gateway.builder().telemetry(telemetry)
                .route(Route.post("/echo").handler(transcoder.method(Shops.SHOP + "/Echo").body("*").build()))
                .route(Route.post("/fail").handler(transcoder.method(Shops.SHOP + "/Fail").body("*").build()))
                .route(Route.get("/dash/{shelf}").handler(Aggregator.builder()
                        .part("item", Part.handler(transcoder.method(Shops.SHOP + "/GetItem").build(), "/item")
                                .query("id", "7"))
                        .part("missing", Part.handler(transcoder.method(Shops.SHOP + "/GetItem").build(), "/item")
                                .query("id", "404").optional())
                        .build()))
                .route(Route.get("/maybe").handler(Aggregator.builder()
                        .part("item", Part.handler(transcoder.method(Shops.SHOP + "/GetItem").build(), "/item")
                                .query("id", "404").notFoundIsNull())
                        .build()));
        transcoder.routes().forEach(routes::route);
        gateway = PorticoServer.start(routes.build(), "127.0.0.1", 0);
        http = new Http(gateway.port());
    }

    @AfterEach
    void stop() {
        gateway.close();
        transcoder.close();
        shop.close();
        sdk.close();
    }

    @Test
    void aCallHasAClientSpanUnderTheServerSpanAndTheServiceSeesItAsItsParent() throws Exception {
        HttpResponse<String> response = http.post("/echo", "{\"text\":\"x\",\"headerNames\":[\"traceparent\"]}");

        List<SpanData> finished = ended(2);
        SpanData server = only(finished, SpanKind.SERVER);
        SpanData client = only(finished, SpanKind.CLIENT);
        assertThat(client.getName()).isEqualTo("portico.test.shop.Shop/Echo");
        assertThat(client.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(client.getTraceId()).isEqualTo(server.getTraceId());
        assertThat(client.getAttributes().asMap()).containsExactlyInAnyOrderEntriesOf(Attributes.builder()
                .put(RPC_SYSTEM, "grpc").put(RPC_SERVICE, Shops.SHOP).put(RPC_METHOD, "Echo")
                .put(SERVER_ADDRESS, "127.0.0.1").put(SERVER_PORT, shop.port()).put(GRPC_STATUS, 0L)
                .build().asMap());
        assertThat(client.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        String received = json(response).getAsJsonObject().getAsJsonObject("metadata").get("traceparent").getAsString();
        assertThat(received).isEqualTo("00-" + server.getTraceId() + '-' + client.getSpanId() + '-'
                + client.getSpanContext().getTraceFlags().asHex());
    }

    @Test
    void aStreamingCallHasAClientSpanThatEndsWithTheStream() throws Exception {
        HttpResponse<String> response = http.get("/v1/shelves/s1/items?count=3", "Accept", "application/x-ndjson");

        assertThat(response.body().split("\n")).hasSize(3);
        List<SpanData> finished = ended(2);
        SpanData client = only(finished, SpanKind.CLIENT);
        assertThat(client.getName()).isEqualTo("portico.test.shop.Shop/ListItems");
        assertThat(client.getParentSpanId()).isEqualTo(only(finished, SpanKind.SERVER).getSpanId());
        assertThat(client.getAttributes().get(GRPC_STATUS)).isZero();
    }

    @Test
    void aFailedCallsSpanIsAnErrorOfItsGrpcStatus() throws Exception {
        HttpResponse<String> response = http.post("/fail", "{\"code\":\"UNAVAILABLE\",\"message\":\"down\"}");

        assertThat(response.statusCode()).isEqualTo(503);
        SpanData client = only(ended(2), SpanKind.CLIENT);
        assertThat(client.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(client.getAttributes().get(GRPC_STATUS)).isEqualTo(14L);
        assertThat(client.getAttributes().get(ERROR_TYPE)).isEqualTo("UNAVAILABLE");
    }

    @Test
    void recordsEachCallsDurationInSecondsWithBoundedAttributes() throws Exception {
        http.post("/echo", "{\"text\":\"a\"}");
        http.post("/echo", "{\"text\":\"b\"}");
        http.post("/fail", "{\"code\":\"NOT_FOUND\",\"message\":\"no such thing\"}");
        ended(6);

        MetricData duration = metric("rpc.client.call.duration");
        assertThat(duration.getUnit()).isEqualTo("s");
        Attributes echo = Attributes.builder().put(RPC_SYSTEM, "grpc").put(RPC_SERVICE, Shops.SHOP)
                .put(RPC_METHOD, "Echo").put(SERVER_ADDRESS, "127.0.0.1").put(SERVER_PORT, shop.port())
                .put(GRPC_STATUS, 0L).build();
        Attributes fail = echo.toBuilder().put(RPC_METHOD, "Fail").put(GRPC_STATUS, 5L)
                .put(ERROR_TYPE, "NOT_FOUND").build();
        assertThat(duration.getHistogramData().getPoints()).hasSize(2).anySatisfy(point -> {
            assertThat(point.getAttributes()).isEqualTo(echo);
            assertThat(point.getCount()).isEqualTo(2);
            assertThat(point.getSum()).isPositive();
        }).anySatisfy(point -> {
            assertThat(point.getAttributes()).isEqualTo(fail);
            assertThat(point.getCount()).isEqualTo(1);
        });
    }

    @Test
    void aServicesResourceExhaustedReachesTheClientAs429JsonButIsNotTheGatewaysRejection() throws Exception {
        HttpResponse<String> response = http.post("/fail", "{\"code\":\"RESOURCE_EXHAUSTED\",\"message\":\"quota\"}",
                "X-Request-Id", "req-429");

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(response.body())
                .isEqualTo("{\"error\":\"too_many_requests\",\"message\":\"quota\",\"requestId\":\"req-429\"}");
        SpanData server = ended(SpanKind.SERVER);
        assertThat(server.getEvents()).extracting(EventData::getName).doesNotContain("portico.rejected");
        assertThat(server.getAttributes().get(PORTICO_ERROR)).isNull();
        assertThat(metrics.collectAllMetrics()).filteredOn(m -> m.getName().equals("portico.rate_limit.rejections"))
                .allSatisfy(m -> assertThat(m.getLongSumData().getPoints()).allSatisfy(
                        point -> assertThat(point.getValue()).isZero()));
        SpanData client = ended(SpanKind.CLIENT);
        assertThat(client.getAttributes().get(GRPC_STATUS)).isEqualTo(8L);
        assertThat(client.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    }

    @Test
    void eachAggregationPartsCallIsAClientSpanAndAServicesNotFoundLeavesItsPartOut() throws Exception {
        HttpResponse<String> response = http.get("/dash/s1");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Gateway-Partial")).hasValue("true");
        JsonObject body = json(response).getAsJsonObject();
        assertThat(body.getAsJsonObject("item").get("id").getAsString()).isEqualTo("7");
        assertThat(body.get("missing").isJsonNull()).isTrue();
        List<SpanData> finished = ended(3);
        SpanData server = only(finished, SpanKind.SERVER);
        List<SpanData> clients = finished.stream().filter(span -> span.getKind() == SpanKind.CLIENT).toList();
        assertThat(clients).hasSize(2).allSatisfy(client -> {
            assertThat(client.getName()).isEqualTo("portico.test.shop.Shop/GetItem");
            assertThat(client.getParentSpanId()).isEqualTo(server.getSpanId());
        });
        assertThat(clients).extracting(client -> client.getAttributes().get(GRPC_STATUS))
                .containsExactlyInAnyOrder(0L, 5L);
    }

    @Test
    void aNotFoundFromTheServiceIsAPartsNullAsAnHttpUpstreams404Is() throws Exception {
        HttpResponse<String> response = http.get("/maybe");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).getAsJsonObject().get("item").isJsonNull()).isTrue();
        assertThat(response.headers().firstValue("X-Gateway-Partial")).isEmpty();
    }

    @Test
    void anUnimplementedFromTheServiceIsAnUpstreams501OnTheServerSpan() throws Exception {
        HttpResponse<String> response = http.post("/fail", "{\"code\":\"UNIMPLEMENTED\",\"message\":\"later\"}");

        assertThat(response.statusCode()).isEqualTo(501);
        SpanData server = ended(SpanKind.SERVER);
        assertThat(server.getAttributes().get(ERROR_TYPE)).isEqualTo("501");
        assertThat(server.getAttributes().get(PORTICO_ERROR)).isNull();
        assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    }

    /** Waits (30 s at most) until this many spans have ended, and returns them. */
    private List<SpanData> ended(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (spans.getFinishedSpanItems().size() < count && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        List<SpanData> finished = spans.getFinishedSpanItems();
        assertThat(finished).hasSize(count);
        return finished;
    }

    /** Waits (30 s at most) until a span of this kind has ended, and returns it. */
    private SpanData ended(SpanKind kind) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (spans.getFinishedSpanItems().stream().noneMatch(span -> span.getKind() == kind)
                && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return only(spans.getFinishedSpanItems(), kind);
    }

    private static SpanData only(List<SpanData> spans, SpanKind kind) {
        List<SpanData> of = spans.stream().filter(span -> span.getKind() == kind).toList();
        assertThat(of).as("%s spans", kind).hasSize(1);
        return of.get(0);
    }

    private MetricData metric(String name) {
        return metrics.collectAllMetrics().stream().filter(m -> m.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no metric " + name));
    }
}
