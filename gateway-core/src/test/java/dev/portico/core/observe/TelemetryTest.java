package dev.portico.core.observe;

import dev.portico.core.Gateway;
import dev.portico.core.Handler;
import dev.portico.core.Http;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.spi.CallOptions;
import dev.portico.core.spi.Exchanges;
import dev.portico.core.spi.GatewayExchange;
import dev.portico.core.spi.UpstreamClient;
import dev.portico.core.upstream.Endpoint;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The server span's attributes and outcome for requests that the core runs without a server or upstream. */
class TelemetryTest {

    private static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    private static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();

    @AfterEach
    void close() {
        sdk.close();
    }

    private GatewayExchange run(Gateway gateway, Request request) {
        GatewayExchange exchange = Exchanges.start(gateway, request, Http.CLIENT, Http.LISTENER, new NoUpstreams());
        exchange.response().toCompletableFuture().join();
        return exchange;
    }

    private Gateway gateway(Handler handler) {
        return Gateway.builder().telemetry(Telemetry.of(sdk)).route(Route.any("/h").handler(handler)).build();
    }

    @Test
    void theSpanEndsWhenTheResponseIsCompleteNotWhenItIsReady() {
        GatewayExchange exchange = run(gateway(Handler.sync((r, c) -> Response.text(200, "ok"))), Http.get("/h"));

        assertThat(spans.getFinishedSpanItems()).isEmpty();
        exchange.complete(200, 0, 2, null);

        SpanData span = spans.getFinishedSpanItems().get(0);
        assertThat(span.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(span.getName()).isEqualTo("GET /h");
        assertThat(span.getAttributes().get(AttributeKey.stringKey("client.address"))).isEqualTo("203.0.113.7");
        assertThat(span.getAttributes().get(SERVER_ADDRESS)).isEqualTo("gateway.example");
        assertThat(span.getAttributes().get(SERVER_PORT)).isNull();
    }

    @Test
    void handlersFindTheRequestsContextWithItsServerSpan() {
        io.opentelemetry.api.trace.SpanContext[] seen = new io.opentelemetry.api.trace.SpanContext[1];
        GatewayExchange exchange = run(gateway(Handler.sync((r, c) -> {
            seen[0] = io.opentelemetry.api.trace.Span.fromContext(c.get(Telemetry.CONTEXT)).getSpanContext();
            return Response.text(200, "ok");
        })), Http.get("/h"));
        exchange.complete(200, 0, 2, null);

        SpanData span = spans.getFinishedSpanItems().get(0);
        assertThat(seen[0].getSpanId()).isEqualTo(span.getSpanId());
    }

    @Test
    void anIpv6HostHeaderGivesItsAddressAndPort() {
        GatewayExchange exchange = run(gateway(Handler.sync((r, c) -> Response.text(200, "ok"))),
                Http.request("GET", "/h").header("Host", "[2001:db8::1]:8443").build());
        exchange.complete(200, 0, 2, null);

        SpanData span = spans.getFinishedSpanItems().get(0);
        assertThat(span.getAttributes().get(SERVER_ADDRESS)).isEqualTo("2001:db8::1");
        assertThat(span.getAttributes().get(SERVER_PORT)).isEqualTo(8443L);
    }

    @Test
    void aFailingHandlerSetsErrorStatusAndTheFailuresTypeAndRecordsIt() {
        GatewayExchange exchange = run(gateway((r, c) -> {
            throw new IllegalStateException("boom");
        }), Http.get("/h"));
        exchange.complete(500, 0, 60, null);

        SpanData span = spans.getFinishedSpanItems().get(0);
        assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(span.getAttributes().get(ERROR_TYPE)).isEqualTo(IllegalStateException.class.getName());
        assertThat(span.getEvents()).extracting(e -> e.getName()).containsExactly("exception");
    }

    @Test
    void aClientThatLeavesMidResponseMarksTheSpanFailedThoughTheStatusWas200() {
        GatewayExchange exchange = run(gateway(Handler.sync((r, c) -> Response.text(200, "ok"))), Http.get("/h"));
        exchange.complete(200, 0, 1, new IOException("connection reset by peer"));

        SpanData span = spans.getFinishedSpanItems().get(0);
        assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(span.getAttributes().get(ERROR_TYPE)).isEqualTo(IOException.class.getName());
    }

    @Test
    void aGatewayWithoutTelemetryHasNone() {
        Gateway gateway = Gateway.builder().route(Route.get("/h").handler(Handler.sync((r, c) -> Response.text(200, "ok")))).build();

        run(gateway, Http.get("/h")).complete(200, 0, 2, null);

        assertThat(gateway.telemetry()).isNull();
        assertThat(spans.getFinishedSpanItems()).isEmpty();
    }

    @Test
    void theApiWithoutAnSdkStartsNoSpanAndKeepsNoContext() {
        for (OpenTelemetry noSdk : new OpenTelemetry[] {OpenTelemetry.noop(), GlobalOpenTelemetry.get()}) {
            AtomicReference<Object> seen = new AtomicReference<>("unset");
            Gateway gateway = Gateway.builder().telemetry(Telemetry.of(noSdk))
                    .route(Route.get("/h").handler(Handler.sync((r, c) -> {
                        seen.set(c.get(Telemetry.CONTEXT));
                        return Response.text(200, "ok");
                    }))).build();

            run(gateway, Http.get("/h")).complete(200, 0, 2, null);

            assertThat(seen.get()).as("the request's OpenTelemetry context with %s", noSdk).isNull();
        }
    }

    @Test
    void argumentsAreChecked() {
        assertThatThrownBy(() -> Telemetry.of(null)).isInstanceOf(NullPointerException.class).hasMessage("openTelemetry");
        assertThatThrownBy(() -> Gateway.builder().telemetry(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("telemetry");
        assertThat(Telemetry.of(sdk).openTelemetry()).isSameAs(sdk);
    }

    /** A transport that no test here reaches. */
    private static final class NoUpstreams implements UpstreamClient {
        @Override
        public CompletionStage<Response> send(Endpoint endpoint, Request request, CallOptions options) {
            throw new AssertionError("no upstream call expected");
        }

        @Override
        public Executor executor() {
            return Runnable::run;
        }
    }
}
