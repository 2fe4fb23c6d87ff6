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
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.logging.ErrorManager;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** What the benchmark proxy measures observability with: an SDK that records and drops, and a file access log. */
final class BenchTelemetry {

    private static final String ACCESS_LOGGER = "dev.portico.bench.access";
    private static final long FLUSH_INTERVAL_MS = 200;
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

    /**
     * Returns an access log whose lines, one JSON object each, go to {@code file} through java.util.logging, buffered
     * and flushed every 200 ms as nginx's {@code access_log ... buffer=64k flush=200ms} would (the JDK's
     * {@code FileHandler} writes each line through to the file).
     */
    static AccessLog accessLog(Path file) {
        try {
            ACCESS.addHandler(new BufferedFileHandler(file));
        } catch (IOException e) {
            throw new UncheckedIOException("BENCH_ACCESS_LOG: cannot write " + file, e);
        }
        ACCESS.setUseParentHandlers(false);
        return AccessLog.builder().loggerName(ACCESS_LOGGER).build();
    }

    /** A java.util.logging handler that appends each record's message as a line to a file through a buffer. */
    private static final class BufferedFileHandler extends Handler {

        private final Writer out;

        BufferedFileHandler(Path file) throws IOException {
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            Thread flusher = new Thread(() -> {
                while (true) {
                    try {
                        Thread.sleep(FLUSH_INTERVAL_MS);
                    } catch (InterruptedException e) {
                        return;
                    }
                    flush();
                }
            }, "bench-access-log-flush");
            flusher.setDaemon(true);
            flusher.start();
        }

        @Override
        public synchronized void publish(LogRecord record) {
            try {
                out.write(record.getMessage());
                out.write('\n');
            } catch (IOException e) {
                reportError(null, e, ErrorManager.WRITE_FAILURE);
            }
        }

        @Override
        public synchronized void flush() {
            try {
                out.flush();
            } catch (IOException e) {
                reportError(null, e, ErrorManager.FLUSH_FAILURE);
            }
        }

        @Override
        public synchronized void close() {
            try {
                out.close();
            } catch (IOException e) {
                reportError(null, e, ErrorManager.CLOSE_FAILURE);
            }
        }
    }
}
