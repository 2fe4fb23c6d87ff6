package dev.portico.examples.mobile;

import dev.portico.core.Body;
import dev.portico.core.Handler;
import dev.portico.core.Response;
import dev.portico.core.observe.Telemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.logging.LoggingSpanExporter;
import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The demo gateway's OpenTelemetry SDK: metrics read by OpenTelemetry's Prometheus exporter and served by
 * {@link #metrics()}, spans written to the log by a logging exporter or, by default, not recorded at all.
 */
final class DemoTelemetry implements AutoCloseable {

    private static final String SERVICE_NAME = "portico-mobile-demo";
    private static final Duration SPAN_EXPORT_DELAY = Duration.ofSeconds(1);

    private final OpenTelemetrySdk sdk;
    private final PrometheusMetricReader reader;
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    private DemoTelemetry(OpenTelemetrySdk sdk, PrometheusMetricReader reader) {
        this.sdk = sdk;
        this.reader = reader;
    }

    /** Returns the SDK these settings ask for: spans to the log with {@code DEMO_TRACES=log}, else none. */
    static DemoTelemetry create(DemoConfig config) {
        Resource resource = Resource.getDefault().merge(
                Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), SERVICE_NAME)));
        PrometheusMetricReader reader = PrometheusMetricReader.create();
        SdkTracerProviderBuilder tracing = SdkTracerProvider.builder().setResource(resource);
        if (config.logTraces()) {
            // a batch processor logs on its own thread, never on the IO thread that ends the span
            tracing.addSpanProcessor(BatchSpanProcessor.builder(LoggingSpanExporter.create())
                    .setScheduleDelay(SPAN_EXPORT_DELAY).build());
        } else {
            // spans are neither recorded nor exported, yet each carries the trace id it continues or starts
            tracing.setSampler(Sampler.alwaysOff());
        }
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(tracing.build())
                .setMeterProvider(SdkMeterProvider.builder().setResource(resource).registerMetricReader(reader).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
        return new DemoTelemetry(sdk, reader);
    }

    /** Returns the gateway's telemetry through this SDK. */
    Telemetry telemetry() {
        return Telemetry.of(sdk);
    }

    /** Returns the handler of {@code GET /metrics}: every metric in the Prometheus text format. */
    Handler metrics() {
        return (request, context) -> CompletableFuture.completedFuture(scrape());
    }

    private Response scrape() {
        ByteArrayOutputStream text = new ByteArrayOutputStream(8192);
        try {
            writer.write(text, reader.collect());
        } catch (IOException e) {
            throw new UncheckedIOException(e);     // a ByteArrayOutputStream does not fail
        }
        return Response.builder(200)
                .header("Content-Type", writer.getContentType())
                .body(Body.of(text.toByteArray()))
                .build();
    }

    /** Flushes the spans not yet logged and shuts the SDK down. */
    @Override
    public void close() {
        sdk.close();
    }
}
