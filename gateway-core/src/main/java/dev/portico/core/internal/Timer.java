package dev.portico.core.internal;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's one timer thread, for quick hand-offs at a later time (retry backoff, discovery and health-check
 * rounds): a task must not block, and passes any real work on to where it belongs.
 */
public final class Timer {

    private static final ScheduledThreadPoolExecutor TIMER = new ScheduledThreadPoolExecutor(1, task -> {
        Thread thread = new Thread(task, "portico-timer");
        thread.setDaemon(true);
        return thread;
    });

    static {
        TIMER.setRemoveOnCancelPolicy(true);
    }

    private Timer() {
    }

    /** Runs {@code task} once after {@code delay}; what it throws is logged and the timer goes on. */
    public static ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
        return TIMER.schedule(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                System.getLogger(Timer.class.getName()).log(System.Logger.Level.WARNING, "a timer task failed", e);
            }
        }, delay, unit);
    }
}
