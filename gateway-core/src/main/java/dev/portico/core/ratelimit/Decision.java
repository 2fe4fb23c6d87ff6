package dev.portico.core.ratelimit;

import java.time.Duration;
import java.util.Objects;

/**
 * An immutable answer of a {@link RateLimiter} for one request: whether it may go on, the limit that binds (the
 * plan's limit with the fewest permits left), the permits left under it, the time until a permit is available again
 * (zero when one is), and the time until the bucket is full again.
 */
public final class Decision {

    private final boolean allowed;
    private final Limit limit;
    private final long remaining;
    private final Duration retryAfter;
    private final Duration reset;
    private final boolean metered;

    private Decision(boolean allowed, Limit limit, long remaining, Duration retryAfter, Duration reset,
            boolean metered) {
        this.allowed = allowed;
        this.metered = metered;
        this.limit = Objects.requireNonNull(limit, "limit");
        this.remaining = Math.max(0, remaining);
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
        this.reset = Objects.requireNonNull(reset, "reset");
    }

    /** Returns an allowing decision with {@code remaining} permits left under {@code limit}. */
    public static Decision allowed(Limit limit, long remaining, Duration reset) {
        return new Decision(true, limit, remaining, Duration.ZERO, reset, true);
    }

    /** Returns a refusing decision: no permit left under {@code limit} for {@code retryAfter}. */
    public static Decision refused(Limit limit, Duration retryAfter, Duration reset) {
        return new Decision(false, limit, 0, retryAfter, reset, true);
    }

    /**
     * Returns an allowing decision made without counting, as a limiter that fails open does while its store is
     * down: filters send no rate-limit headers for it, since nothing is known about the budget.
     */
    public static Decision unmetered(Limit limit) {
        return new Decision(true, limit, limit.permits(), Duration.ZERO, Duration.ZERO, false);
    }

    /** Returns whether the request may go on. */
    public boolean isAllowed() {
        return allowed;
    }

    /** Returns the limit that binds this decision. */
    public Limit limit() {
        return limit;
    }

    /** Returns the permits left under {@link #limit()} after this request; 0 when refused. */
    public long remaining() {
        return remaining;
    }

    /** Returns the time until a permit is available; zero when allowed. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** Returns the time until the binding limit's budget is whole again. */
    public Duration reset() {
        return reset;
    }

    /** Returns whether the decision counted the request; {@code false} only for {@link #unmetered}. */
    public boolean isMetered() {
        return metered;
    }

    @Override
    public String toString() {
        if (!metered) {
            return "unmetered " + limit;
        }
        return (allowed ? "allowed " : "refused ") + remaining + " left of " + limit + ", retry after " + retryAfter
                + ", reset " + reset;
    }
}
