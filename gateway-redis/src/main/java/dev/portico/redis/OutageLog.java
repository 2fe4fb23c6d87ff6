package dev.portico.redis;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Logs a Redis outage without flooding: one warning when calls start failing, then at most one a {@code interval}
 * with the number of failures since the last, and one line when a call succeeds again.
 */
final class OutageLog {

    private static final System.Logger LOG = System.getLogger(RedisRateLimiter.class.getName());

    private final String what;
    private final long intervalNanos;
    private final AtomicBoolean down = new AtomicBoolean();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong unreported = new AtomicLong();
    private final AtomicLong nextReport = new AtomicLong();

    OutageLog(String what, long intervalNanos) {
        this.what = what;
        this.intervalNanos = intervalNanos;
    }

    /** Records one failed call. */
    void failed(Throwable failure) {
        failures.incrementAndGet();
        long now = System.nanoTime();
        if (down.compareAndSet(false, true)) {
            nextReport.set(now + intervalNanos);
            unreported.set(0);
            LOG.log(System.Logger.Level.WARNING, "{0}: a call to Redis failed ({1}); applying the failure policy "
                    + "until Redis answers again", what, describe(failure));
            return;
        }
        long count = unreported.incrementAndGet();
        long due = nextReport.get();
        if (now - due >= 0 && nextReport.compareAndSet(due, now + intervalNanos)) {
            unreported.addAndGet(-count);
            LOG.log(System.Logger.Level.WARNING, "{0}: Redis still failing; {1} more failed calls, the last: {2}",
                    what, count, describe(failure));
        }
    }

    /** Records one successful call; the first after an outage is logged. */
    void succeeded() {
        if (down.get() && down.compareAndSet(true, false)) {
            LOG.log(System.Logger.Level.INFO, "{0}: Redis answers again after {1} failed calls", what,
                    failures.getAndSet(0));
        }
    }

    private static String describe(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null
                && (cause instanceof CompletionException || cause instanceof ExecutionException)) {
            cause = cause.getCause();
        }
        if (cause instanceof TimeoutException) {
            return "no answer within the call timeout";
        }
        return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }
}
