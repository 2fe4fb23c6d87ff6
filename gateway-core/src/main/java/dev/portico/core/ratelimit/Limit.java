package dev.portico.core.ratelimit;

import dev.portico.core.internal.Checks;

import java.time.Duration;
import java.util.Objects;

/**
 * An immutable bandwidth: at most {@code permits} requests per {@code period}. By default the whole budget is renewed
 * at once, a period after the key's bucket was first used (a client that spent it waits for the renewal, as "600 a
 * minute" promises); {@link #smooth()} instead refills one permit every {@code period / permits}.
 *
 * <pre>{@code
 * Limit perMinute = Limit.of(600, Duration.ofMinutes(1));
 * Limit burst = Limit.of(10, Duration.ofSeconds(1)).smooth();
 * }</pre>
 */
public final class Limit {

    private final long permits;
    private final Duration period;
    private final boolean smooth;

    private Limit(long permits, Duration period, boolean smooth) {
        if (permits < 1) {
            throw new IllegalArgumentException("permits must be at least 1: " + permits);
        }
        this.permits = permits;
        this.period = Checks.positive(period, "period");
        if (period.compareTo(Duration.ofNanos(permits)) < 0) {
            throw new IllegalArgumentException("limit: " + permits + " permits per " + period
                    + " (expected: at most one permit a nanosecond)");
        }
        this.smooth = smooth;
    }

    /** Returns a limit of {@code permits} requests a {@code period}, renewed all at once each period. */
    public static Limit of(long permits, Duration period) {
        return new Limit(permits, period, false);
    }

    /** Returns the same limit refilled smoothly, one permit every {@code period / permits}. */
    public Limit smooth() {
        return new Limit(permits, period, true);
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
        return smooth;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Limit that && permits == that.permits && period.equals(that.period)
                && smooth == that.smooth;
    }

    @Override
    public int hashCode() {
        return Objects.hash(permits, period, smooth);
    }

    @Override
    public String toString() {
        return permits + "/" + period + (smooth ? " smooth" : "");
    }
}
