package dev.portico.grpc.internal;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where large JSON bodies become request messages, off the server's IO threads: a few daemon threads shared by every
 * transcoder (half the processors, at least two, so that conversions never take every core from the IO threads),
 * started on demand and gone after a minute idle, with a bounded queue; {@code execute} throws
 * {@link java.util.concurrent.RejectedExecutionException} when the queue is full.
 */
public final class Conversions {

    /** The most conversions waiting for a thread; past it a request is refused rather than queued. */
    static final int MAX_WAITING = 1024;

    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ThreadPoolExecutor POOL;

    static {
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors() / 2);
        POOL = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(MAX_WAITING),
                task -> {
                    Thread thread = new Thread(task, "portico-grpc-json-" + THREADS.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        POOL.allowCoreThreadTimeOut(true);
    }

    private Conversions() {
    }

    /** Returns the executor of the conversions. */
    public static Executor executor() {
        return POOL;
    }
}
