package dev.portico.core.ratelimit;

import dev.portico.core.internal.Checks;

import java.time.Duration;
import java.util.Objects;

/**
 * An immutable limit of {@code permits} requests a {@code period}: by default a bucket whose whole budget is renewed
 * at once, a period after the key's bucket was first used; {@link #smooth()} refills one permit every {@code period /
 * permits}; {@link #sliding()} accepts at most {@code permits} requests in any interval of one period, exactly.
 *
 * <pre>{@code
 * Limit perMinute = Limit.of(600, Duration.ofMinutes(1)).sliding();
 * Limit burst = Limit.of(10, Duration.ofSeconds(1)).smooth();
 * }</pre>
 */
public final class Limit {

    /** The most permits of a sliding limit, whose limiter remembers the time of each request it accepted. */
    private static final long MAX_SLIDING_PERMITS = 1_000_000;

    /** How a limit gives permits back. */
    private enum Renewal { WHOLE, SMOOTH, SLIDING }

    private final long permits;
    private final Duration period;
    private final Renewal renewal;

    private Limit(long permits, Duration period, Renewal renewal) {
        if (permits < 1) {
            throw new IllegalArgumentException("permits must be at least 1: " + permits);
        }
        this.permits = permits;
        this.period = Checks.positive(period, "period");
        if (period.compareTo(Duration.ofNanos(permits)) < 0) {
            throw new IllegalArgumentException("limit: " + permits + " permits per " + period
                    + " (expected: at most one permit a nanosecond)");
        }
        if (renewal == Renewal.SLIDING && permits > MAX_SLIDING_PERMITS) {
            throw new IllegalArgumentException("sliding limit: " + permits + " permits (expected: at most "
                    + MAX_SLIDING_PERMITS + ", each remembered for a period)");
        }
        this.renewal = renewal;
    }

    /** Returns a limit of {@code permits} requests a {@code period}, renewed all at once each period. */
    public static Limit of(long permits, Duration period) {
        return new Limit(permits, period, Renewal.WHOLE);
    }

    /** Returns the same limit refilled smoothly, one permit every {@code period / permits}. */
    public Limit smooth() {
        return new Limit(permits, period, Renewal.SMOOTH);
    }

    /**
     * Returns the same limit as a sliding window: at most {@code permits} requests accepted in any interval of one
     * period, each permit coming back one period after the request that took it; at most 1,000,000
     * permits, since the limiter remembers each accepted request's time for a period.
     */
    public Limit sliding() {
        return new Limit(permits, period, Renewal.SLIDING);
    }

    /** Returns how many requests a period allows: the bucket's capacity. */
    public long permits() {
        return permits;
    }

    /** Returns the period. */
    public Duration period() {
        return period;
    }

    /** Returns whether permits come back one at a time instead of all at once each period. */
    public boolean isSmooth() {
        return renewal == Renewal.SMOOTH;
    }

    /** Returns whether this is a sliding window rather than a bucket. */
    public boolean isSliding() {
        return renewal == Renewal.SLIDING;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Limit that && permits == that.permits && period.equals(that.period)
                && renewal == that.renewal;
    }

    @Override
    public int hashCode() {
        return Objects.hash(permits, period, renewal);
    }

    @Override
    public String toString() {
        return permits + "/" + period + switch (renewal) {
            case WHOLE -> "";
            case SMOOTH -> " smooth";
            case SLIDING -> " sliding";
        };
    }
}
