package dev.portico.examples.guide;

import dev.portico.core.Filter;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.observe.Telemetry;
import dev.portico.core.upstream.Upstream;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.exporter.logging.LoggingMetricExporter;
import io.opentelemetry.exporter.logging.LoggingSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;

import java.time.Duration;

/** The code quoted in docs/observability.md (traces and metrics), compiled so that it cannot rot. */
public final class ObservabilityOtelExamples {

    private ObservabilityOtelExamples() {
    }

    static Gateway traced(OpenTelemetry openTelemetry) {     // the application's SDK, or GlobalOpenTelemetry.get()
        Upstream users = Upstream.of("users", "http://10.0.0.7:8080", "http://10.0.0.8:8080");
        return Gateway.builder()
                .route(Route.get("/api/users/{id}").to(users))
                .telemetry(Telemetry.of(openTelemetry))    // spans, metrics, context propagation
                .build();
    }

    static Gateway global() {
        return Gateway.builder()
                .route(Route.get("/api/users/{id}").to(Upstream.of("users", "http://10.0.0.7:8080")))
                .telemetry(Telemetry.of(GlobalOpenTelemetry.get()))   // e.g. set by the OpenTelemetry Java agent
                .build();
    }

    static OpenTelemetrySdk sdk() {
        // spans exported in batches on the SDK's own thread, never on an IO thread; metrics read every 30 s.
        // The OTLP exporters (opentelemetry-exporter-otlp) send both to a collector the same way.
        return OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(BatchSpanProcessor.builder(LoggingSpanExporter.create()).build())
                        .build())
                .setMeterProvider(SdkMeterProvider.builder()
                        .registerMetricReader(PeriodicMetricReader.builder(LoggingMetricExporter.create())
                                .setInterval(Duration.ofSeconds(30)).build())
                        .build())
                .setPropagators(ContextPropagators.create(TextMapPropagator.composite(
                        W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance())))
                .build();
    }

    static Gateway propagateOnly() {
        // no SDK: nothing is recorded, but every upstream call continues the client's trace
        OpenTelemetry propagating = OpenTelemetry.propagating(
                ContextPropagators.create(W3CTraceContextPropagator.getInstance()));
        return Gateway.builder()
                .route(Route.get("/api/users/{id}").to(Upstream.of("users", "http://10.0.0.7:8080")))
                .telemetry(Telemetry.of(propagating))
                .build();
    }

    static Filter tagTenant() {
        return (request, chain) -> {
            Span server = Span.fromContext(chain.context().get(Telemetry.CONTEXT));  // the request's server span
            server.setAttribute("app.tenant", request.header("X-Tenant"));
            return chain.proceed(request);
        };
    }
}
