package dev.portico.examples;

import dev.portico.core.observe.AccessLog;
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

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.logging.FileHandler;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** What the benchmark proxy measures observability with: an SDK that records and drops, and a file access log. */
final class BenchTelemetry {

    private static final String ACCESS_LOGGER = "dev.portico.bench.access";
    private static final Logger ACCESS = Logger.getLogger(ACCESS_LOGGER); // held: java.util.logging keeps loggers weakly

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

    /** Returns an access log whose lines, one JSON object each, go to {@code file} through java.util.logging. */
    static AccessLog accessLog(Path file) {
        try {
            FileHandler handler = new FileHandler(file.toString(), true);
            handler.setFormatter(new Formatter() {
                @Override
                public String format(LogRecord record) {
                    return record.getMessage() + System.lineSeparator();
                }
            });
            ACCESS.addHandler(handler);
        } catch (IOException e) {
            throw new UncheckedIOException("BENCH_ACCESS_LOG: cannot write " + file, e);
        }
        ACCESS.setUseParentHandlers(false);
        return AccessLog.builder().loggerName(ACCESS_LOGGER).build();
    }
}
