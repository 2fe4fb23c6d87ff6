package dev.portico.examples;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;

/** What the benchmark proxy measures tracing and metrics with: an SDK that records and drops. */
final class BenchTelemetry {

    private BenchTelemetry() {
    }

    /**
     * Returns an OpenTelemetry SDK that samples and records every span but exports none, and whose metrics are
     * aggregated in memory by a pull reader that the benchmark never collects: the SDK's own cost, without an
     * exporter's.
     */
    static OpenTelemetry sdk() {
        SpanProcessor recordOnly = new SpanProcessor() {
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
        };
        return OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(recordOnly).build())
                .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(PrometheusMetricReader.create()).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
    }
}
