package dev.portico.core;

import dev.portico.core.internal.SystemTime;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Future;

/**
 * The clock and timer a gateway reads and schedules by (request durations, token expiry, local rate-limit refills,
 * route timeouts, retry backoff, aggregation deadlines): the system's by default, a test's controllable clock in
 * {@code GatewayTester}.
 *
 * <pre>{@code
 * Gateway gateway = Gateway.builder().timeSource(TimeSource.system()).route(...).build();
 * }</pre>
 */
public interface TimeSource {

    /** Returns a monotonic reading in nanoseconds, as {@link System#nanoTime()}: only differences between readings mean anything. */
    long nanoTime();

    /** Returns the wall clock's current instant. */
    Instant instant();

    /**
     * Runs {@code task} once after {@code delay}, on a thread of the time source's choosing; the task must be quick
     * and must not block (it hands real work on). Cancelling the returned future before it runs keeps it from running.
     */
    Future<?> schedule(Runnable task, Duration delay);

    /** Returns the system's time source: {@link System#nanoTime()}, {@link Instant#now()} and one shared timer thread. */
    static TimeSource system() {
        return SystemTime.INSTANCE;
    }
}
