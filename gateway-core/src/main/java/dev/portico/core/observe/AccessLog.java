package dev.portico.core.observe;

import dev.portico.core.Chain;
import dev.portico.core.Completion;
import dev.portico.core.Context;
import dev.portico.core.Filter;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Route;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An edge filter that writes one JSON line per request, to a {@link System.Logger} at {@code INFO} or to a file: time,
 * request id, route, method, canonical path, status, upstream and instance, duration, bytes in and out, client
 * address and trace id; never a header, a query string or a body, so no token, cookie or API key. The line is built
 * and written by a background thread: a request only hands a small record to a bounded queue, and when the queue is
 * full the record is dropped and counted, never waited for.
 *
 * <pre>{@code
 * Gateway gateway = Gateway.builder()
 *         .accessLog(AccessLog.json())
 *         .route(Route.get("/api/users/{id}").to(users))
 *         .build();
 * }</pre>
 */
public final class AccessLog implements Filter, AutoCloseable {

    private static final String TRACEPARENT = "traceparent";
    private static final int BATCH = 256;
    private static final long IDLE_MILLIS = 10;
    private static final long CLOSE_WAIT_MILLIS = 5_000;

    private final System.Logger logger;
    private final AccessLogFile file;
    private final BlockingQueue<Entry> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private volatile boolean closed;
    /** The writer thread's own: one line's buffer, reused, and the time of day of the last second written. */
    private final StringBuilder line = new StringBuilder(256);
    private final UtcMillis times = new UtcMillis();

    private AccessLog(Builder b) {
        this.logger = System.getLogger(b.loggerName);
        this.file = b.file == null ? null : new AccessLogFile(b.file);
        this.queue = new ArrayBlockingQueue<>(b.queueCapacity);
        this.writer = new Thread(this::drain, "portico-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    /** Returns an access log with the defaults: logger {@code dev.portico.access}, a queue of 8,192 lines. */
    public static AccessLog json() {
        return builder().build();
    }

    /** Returns a builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns how many lines were dropped: because the queue was full or, with a file, because writing it failed. */
    public long dropped() {
        return dropped.get();
    }

    @Override
    public CompletionStage<Response> filter(Request request, Chain chain) {
        Context context = chain.context();
        String requestId = context.requestId();
        String method = request.method();
        String path = request.path();
        String traceId = traceId(context, request);
        context.onComplete(completion -> {
            if (closed || !queue.offer(new Entry(System.currentTimeMillis(), requestId, method, path, traceId,
                    context.clientAddress(), completion))) {
                dropped.incrementAndGet();
            }
        });
        return chain.proceed(request);
    }

    /**
     * Returns the trace id of the request's server span when the gateway has telemetry, else of the client's
     * {@code traceparent}, or {@code null}.
     */
    private static String traceId(Context context, Request request) {
        io.opentelemetry.context.Context traced = context.get(Telemetry.CONTEXT);
        if (traced != null) {
            SpanContext span = Span.fromContext(traced).getSpanContext();
            if (span.isValid()) {
                return span.getTraceId();
            }
        }
        return traceId(request.header(TRACEPARENT));
    }

    /**
     * Returns the trace id of a W3C {@code traceparent} ({@code 00-<32 hex>-<16 hex>-<2 hex>}), or {@code null} when
     * there is none or it is malformed or all zeros; a fixed-position check, no parsing beyond it.
     */
    static String traceId(String traceparent) {
        if (traceparent == null || traceparent.length() < 55 || traceparent.charAt(2) != '-'
                || traceparent.charAt(35) != '-') {
            return null;
        }
        boolean zero = true;
        for (int i = 3; i < 35; i++) {
            char c = traceparent.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return null;
            }
            zero &= c == '0';
        }
        return zero ? null : traceparent.substring(3, 35);
    }

    /**
     * The writer thread: writes what is queued in batches until closed, then what is left. It sleeps between
     * batches rather than waiting on the queue, so that a request's offer never has to wake it: a wake-up per line
     * would cost every request a context switch.
     */
    private void drain() {
        List<Entry> batch = new ArrayList<>(BATCH);
        long reported = 0;
        try {
            while (!closed) {
                if (queue.drainTo(batch, BATCH) == 0) {
                    Thread.sleep(IDLE_MILLIS);
                    continue;
                }
                batch.forEach(this::write);
                batch.clear();
                if (file != null && queue.isEmpty()) {
                    lost(file.flush());
                }
                long lost = dropped.get();
                if (lost != reported && queue.isEmpty()) {
                    logger.log(System.Logger.Level.WARNING,
                            "access log dropped {0} lines in all: its queue was full or its file could not be written",
                            lost);
                    reported = lost;
                }
            }
        } catch (InterruptedException e) {
            // not by close(), which does not interrupt: stop here too, after writing what is left
        }
        batch.forEach(this::write);
        for (Entry entry = queue.poll(); entry != null; entry = queue.poll()) {
            write(entry);
        }
        if (file != null) {
            lost(file.close());
        }
    }

    private void write(Entry entry) {
        StringBuilder text = entry.line(line, times);
        if (file != null) {
            lost(file.append(text));
            return;
        }
        try {
            logger.log(System.Logger.Level.INFO, text.toString());
        } catch (RuntimeException e) {
            // a broken log handler must not stop the writer
        }
    }

    private void lost(int lines) {
        if (lines > 0) {
            dropped.addAndGet(lines);
        }
    }

    /**
     * Stops the writer thread once it has written the lines queued so far, waiting up to 5 seconds for it (a file is
     * then closed); later requests are dropped. Not interrupted: an interrupt would close a file mid-write.
     */
    @Override
    public void close() {
        closed = true;
        try {
            writer.join(CLOSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One request's line, as captured at its end, built into JSON on the writer thread. */
    private record Entry(long time, String requestId, String method, String path, String traceId,
                         InetSocketAddress client, Completion completion) {

        StringBuilder line(StringBuilder line, UtcMillis times) {
            line.setLength(0);
            times.append(line.append("{\"time\":\""), time).append('"');
            if (requestId != null) {
                quote(line.append(",\"requestId\":"), requestId);
            }
            Route route = completion.route();
            if (route != null) {
                quote(line.append(",\"route\":"), route.id());
            }
            quote(line.append(",\"method\":"), method);
            quote(line.append(",\"path\":"), path);
            line.append(",\"status\":").append(completion.status());
            if (completion.upstream() != null) {
                quote(line.append(",\"upstream\":"), completion.upstream());
                quote(line.append(",\"instance\":"), completion.endpoint().authority());
            }
            long micros = completion.duration().toNanos() / 1000;
            threeDigits(line.append(",\"durationMs\":").append(micros / 1000).append('.'), (int) (micros % 1000))
                    .append(",\"bytesIn\":").append(completion.bytesIn())
                    .append(",\"bytesOut\":").append(completion.bytesOut());
            if (client != null && client.getAddress() != null) {
                quote(line.append(",\"client\":"), client.getAddress().getHostAddress());
            }
            if (traceId != null) {
                quote(line.append(",\"traceId\":"), traceId);
            }
            if (completion.failure() != null) {
                quote(line.append(",\"failure\":"), completion.failure().getClass().getSimpleName());
            }
            return line.append('}');
        }

        /** Appends a JSON string: quotes, backslashes and control characters escaped. */
        private static void quote(StringBuilder line, String value) {
            line.append('"');
            int plain = 0;
            while (plain < value.length() && !escaped(value.charAt(plain))) {
                plain++;
            }
            if (plain == value.length()) {
                line.append(value).append('"'); // ids, addresses and most paths: all of it, in one copy
                return;
            }
            line.append(value, 0, plain);
            for (int i = plain; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == '"' || c == '\\') {
                    line.append('\\').append(c);
                } else if (isControl(c)) {
                    line.append(String.format("\\u%04x", (int) c));
                } else {
                    line.append(c);
                }
            }
            line.append('"');
        }

        private static boolean escaped(char c) {
            return c == '"' || c == '\\' || isControl(c);
        }

        /** C0 and C1 controls, DEL and the Unicode line and paragraph separators: each a line break to some tool. */
        private static boolean isControl(char c) {
            return c < 0x20 || c >= 0x7f && c <= 0x9f || c == '\u2028' || c == '\u2029';
        }
    }

    /**
     * Formats epoch milliseconds as ISO-8601 UTC with milliseconds ({@code 2026-12-07T15:04:05.123Z}); the date and
     * time of day are formatted once a second.
     */
    static final class UtcMillis {

        private static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss")
                .withZone(ZoneOffset.UTC);

        private long second = Long.MIN_VALUE;
        private String secondText;

        StringBuilder append(StringBuilder out, long millis) {
            long s = Math.floorDiv(millis, 1000);
            if (s != second) {
                secondText = SECOND.format(Instant.ofEpochSecond(s));
                second = s;
            }
            return threeDigits(out.append(secondText).append('.'), (int) Math.floorMod(millis, 1000)).append('Z');
        }
    }

    /** Appends a number from 0 to 999 as three digits, zeros first: milliseconds, or microseconds of a millisecond. */
    private static StringBuilder threeDigits(StringBuilder out, int n) {
        return out.append((char) ('0' + n / 100)).append((char) ('0' + n / 10 % 10)).append((char) ('0' + n % 10));
    }

    /** A builder of {@link AccessLog}. */
    public static final class Builder {

        private String loggerName = "dev.portico.access";
        private Path file;
        private int queueCapacity = 8192;

        private Builder() {
        }

        /**
         * Sets the name of the {@link System.Logger} written to (default {@code dev.portico.access}); with a
         * {@linkplain #file(Path) file}, only the warning about dropped lines goes to it.
         */
        public Builder loggerName(String loggerName) {
            this.loggerName = Objects.requireNonNull(loggerName, "loggerName");
            return this;
        }

        /**
         * Writes the lines to this file instead of the logger: appended, UTF-8, one a line, through a 64 KiB buffer
         * that is written out whenever the writer thread has caught up (within about 10 ms of a line) or fills, as
         * nginx's buffered {@code access_log} does, where the JDK's {@code FileHandler} writes each line through.
         * Rotate it by truncation ({@code logrotate}'s {@code copytruncate}). The file is opened by {@link #build()}.
         */
        public Builder file(Path file) {
            this.file = Objects.requireNonNull(file, "file");
            return this;
        }

        /** Sets how many lines may wait for the writer thread (default 8,192); more are dropped and counted. */
        public Builder queueCapacity(int queueCapacity) {
            if (queueCapacity < 1) {
                throw new IllegalArgumentException("queueCapacity: " + queueCapacity + " (expected: > 0)");
            }
            this.queueCapacity = queueCapacity;
            return this;
        }

        /**
         * Returns the access log; its writer thread starts now.
         *
         * @throws java.io.UncheckedIOException if the {@linkplain #file(Path) file} cannot be opened for appending
         */
        public AccessLog build() {
            return new AccessLog(this);
        }
    }
}
