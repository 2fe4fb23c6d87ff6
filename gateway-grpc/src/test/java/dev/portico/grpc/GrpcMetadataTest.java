package dev.portico.grpc;

import com.google.gson.JsonObject;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.observe.RequestIds;
import dev.portico.core.observe.Telemetry;
import dev.portico.undertow.PorticoServer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static dev.portico.grpc.Http.json;
import static org.assertj.core.api.Assertions.assertThat;

/** Request headers as call metadata (identity, request id, trace context) and response metadata as headers. */
class GrpcMetadataTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String TRACEPARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";
    private static final String ASK = "{\"text\":\"x\",\"headerNames\":[\"x-user-id\",\"x-request-id\",\"traceparent\","
            + "\"authorization\",\"x-other\"]}";

    private static ShopServer shop;
    private static GrpcTranscoder plain;
    private static GrpcTranscoder traced;
    private static OpenTelemetrySdk otel;
    private static PorticoServer gateway;
    private static PorticoServer tracedGateway;
    private static PorticoServer correlatedGateway;

    @BeforeAll
    static void start() {
        shop = new ShopServer();
        plain = GrpcTranscoder.builder(shop.target()).descriptorSet(Shops.DESCRIPTOR_SET)
                .forwardHeaders("X-User-Id").responseHeaders("x-served-by", "x-trailer").build();
        gateway = PorticoServer.start(Gateway.builder()
                .route(Route.post("/echo").handler(plain.method(Shops.SHOP + "/Echo").body("*").build()))
                .route(Route.post("/fail").handler(plain.method(Shops.SHOP + "/Fail").body("*").build()))
                .build(), "127.0.0.1", 0);
        correlatedGateway = PorticoServer.start(Gateway.builder().requestIds(RequestIds.header("X-Correlation-Id"))
                .route(Route.post("/echo").handler(plain.method(Shops.SHOP + "/Echo").body("*").build()))
                .build(), "127.0.0.1", 0);
        otel = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder().build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
        Telemetry telemetry = Telemetry.of(otel);
        traced = GrpcTranscoder.builder(shop.target()).descriptorSet(Shops.DESCRIPTOR_SET).telemetry(telemetry).build();
        tracedGateway = PorticoServer.start(Gateway.builder().telemetry(telemetry)
                .route(Route.post("/echo").handler(traced.method(Shops.SHOP + "/Echo").body("*").build()))
                .build(), "127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        tracedGateway.close();
        correlatedGateway.close();
        plain.close();
        traced.close();
        otel.close();
        shop.close();
    }

    @Test
    void sendsTheConfiguredHeadersTheRequestIdAndTheTraceContextAsMetadata() throws Exception {
        HttpResponse<String> response = new Http(gateway.port()).post("/echo", ASK, "X-User-Id", "alice",
                "X-Request-Id", "req-123", "traceparent", TRACEPARENT, "Authorization", "Bearer secret", "X-Other", "no");

        JsonObject metadata = json(response).getAsJsonObject().getAsJsonObject("metadata");
        assertThat(metadata.get("x-user-id").getAsString()).isEqualTo("alice");
        assertThat(metadata.get("x-request-id").getAsString()).isEqualTo("req-123");
        assertThat(metadata.get("traceparent").getAsString()).isEqualTo(TRACEPARENT);
        assertThat(metadata.has("authorization")).as("not configured, not sent").isFalse();
        assertThat(metadata.has("x-other")).isFalse();
    }

    @Test
    void generatesARequestIdWhenTheClientSentNone() throws Exception {
        HttpResponse<String> response = new Http(gateway.port()).post("/echo", ASK);

        String sent = json(response).getAsJsonObject().getAsJsonObject("metadata").get("x-request-id").getAsString();
        assertThat(sent).isNotBlank().isEqualTo(response.headers().firstValue("X-Request-Id").orElseThrow());
    }

    @Test
    void sendsTheRequestIdUnderTheGatewaysOwnHeaderName() throws Exception {
        HttpResponse<String> response = new Http(correlatedGateway.port()).post("/echo",
                "{\"text\":\"x\",\"headerNames\":[\"x-correlation-id\",\"x-request-id\"]}",
                "X-Correlation-Id", "corr-7", "X-Request-Id", "not-the-id");

        JsonObject metadata = json(response).getAsJsonObject().getAsJsonObject("metadata");
        assertThat(metadata.get("x-correlation-id").getAsString()).isEqualTo("corr-7");
        assertThat(metadata.has("x-request-id")).as("not the gateway's request id header").isFalse();
    }

    @Test
    void propagatesTheRequestsTraceWithTelemetry() throws Exception {
        HttpResponse<String> response = new Http(tracedGateway.port()).post("/echo", ASK, "traceparent", TRACEPARENT);

        String sent = json(response).getAsJsonObject().getAsJsonObject("metadata").get("traceparent").getAsString();
        assertThat(sent).startsWith("00-" + TRACE_ID + '-').isNotEqualTo(TRACEPARENT);
    }

    @Test
    void exposesTheSelectedResponseHeadersAndTrailers() throws Exception {
        Http http = new Http(gateway.port());

        HttpResponse<String> ok = http.post("/echo", ASK);
        HttpResponse<String> failed = http.post("/fail", "{\"code\":\"NOT_FOUND\",\"message\":\"gone\"}");

        assertThat(ok.headers().firstValue("x-served-by")).hasValue("shop");
        assertThat(ok.headers().firstValue("x-trailer")).hasValue("done");
        assertThat(failed.statusCode()).isEqualTo(404);
        assertThat(failed.headers().firstValue("x-trailer")).hasValue("done");
    }
}
