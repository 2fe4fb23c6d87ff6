package dev.portico.core.resilience;

import dev.portico.core.internal.Checks;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When and how a failed upstream call is tried again, each time on another instance: after a connect failure, a
 * reset or a timeout before the response head, or one of the retried statuses (502, 503 and 504 unless set); only
 * for idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE, TRACE) unless {@link Builder#nonIdempotent(boolean)}
 * allows others, and only when the request body is buffered (or empty) and can be sent again. Retries wait an
 * exponential backoff with full jitter, and all attempts together stay inside the route's timeout.
 *
 * <pre>{@code
 * Route.get("/api/users/**").retries(RetryPolicy.builder().maxAttempts(3).build()).to(users).build();
 * }</pre>
 */
public final class RetryPolicy {

    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");
    private static final RetryPolicy NONE = builder().maxAttempts(1).build();

    private final int maxAttempts;
    private final Duration baseBackoff;
    private final Duration maxBackoff;
    private final long baseNanos;
    private final long maxNanos;
    private final Duration perTryTimeout;
    private final boolean[] statuses;
    private final boolean nonIdempotent;

    private RetryPolicy(Builder b) {
        this.maxAttempts = b.maxAttempts;
        this.baseBackoff = b.baseBackoff;
        this.maxBackoff = b.maxBackoff;
        this.baseNanos = b.baseBackoff.toNanos();
        this.maxNanos = b.maxBackoff.toNanos();
        this.perTryTimeout = b.perTryTimeout;
        this.statuses = new boolean[600];
        for (int status : b.statuses) {
            statuses[status] = true;
        }
        this.nonIdempotent = b.nonIdempotent;
    }

    /** Returns a builder: 3 attempts, backoff from 25 ms up to 250 ms, retrying 502, 503 and 504. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a policy of the defaults: 3 attempts, backoff from 25 ms up to 250 ms, retrying 502, 503 and 504. */
    public static RetryPolicy defaults() {
        return builder().build();
    }

    /** Returns the policy that never retries, to turn a route's retries off for one call. */
    public static RetryPolicy none() {
        return NONE;
    }

    /** Returns the most attempts of one call, the first included; 1 means no retry. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** Returns the backoff before the first retry, before jitter; it doubles for each further retry. */
    public Duration baseBackoff() {
        return baseBackoff;
    }

    /** Returns the most any backoff grows to, before jitter. */
    public Duration maxBackoff() {
        return maxBackoff;
    }

    /** Returns the timeout of each attempt's response head, or {@code null} for the time left of the route's. */
    public Duration perTryTimeout() {
        return perTryTimeout;
    }

    /** Returns the response statuses that are retried. */
    public Set<Integer> statuses() {
        Set<Integer> set = new TreeSet<>();
        for (int status = 0; status < statuses.length; status++) {
            if (statuses[status]) {
                set.add(status);
            }
        }
        return set;
    }

    /** Returns whether methods that are not idempotent (POST, PATCH) are retried too, when their body is buffered. */
    public boolean nonIdempotent() {
        return nonIdempotent;
    }

    /** Returns whether a response of this status is retried. */
    public boolean retriesStatus(int status) {
        return status >= 0 && status < statuses.length && statuses[status];
    }

    /** Returns whether requests of this method may be retried. */
    public boolean retriesMethod(String method) {
        return nonIdempotent || IDEMPOTENT.contains(method);
    }

    /**
     * Returns the wait before retry number {@code retry} (1 for the first), in nanoseconds: uniformly random between
     * zero and {@code min(maxBackoff, baseBackoff × 2^(retry-1))} (full jitter).
     */
    public long backoffNanos(int retry) {
        if (baseNanos == 0) {
            return 0;
        }
        int shift = Math.min(Math.max(retry - 1, 0), 30);
        long ceiling = baseNanos > (maxNanos >> shift) ? maxNanos : Math.min(maxNanos, baseNanos << shift);
        return ceiling <= 0 ? 0 : ThreadLocalRandom.current().nextLong(ceiling + 1);
    }

    @Override
    public String toString() {
        return "RetryPolicy{maxAttempts=" + maxAttempts + ", backoff=" + baseBackoff + ".." + maxBackoff
                + ", perTryTimeout=" + perTryTimeout + ", statuses=" + statuses() + ", nonIdempotent=" + nonIdempotent + '}';
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RetryPolicy that && maxAttempts == that.maxAttempts && baseNanos == that.baseNanos
                && maxNanos == that.maxNanos && Objects.equals(perTryTimeout, that.perTryTimeout)
                && Arrays.equals(statuses, that.statuses) && nonIdempotent == that.nonIdempotent;
    }

    @Override
    public int hashCode() {
        return Objects.hash(maxAttempts, baseNanos, maxNanos, perTryTimeout, Arrays.hashCode(statuses), nonIdempotent);
    }

    /** A builder of {@link RetryPolicy}. */
    public static final class Builder {

        private int maxAttempts = 3;
        private Duration baseBackoff = Duration.ofMillis(25);
        private Duration maxBackoff = Duration.ofMillis(250);
        private Duration perTryTimeout;
        private Set<Integer> statuses = Set.of(502, 503, 504);
        private boolean nonIdempotent;

        private Builder() {
        }

        /** Sets the most attempts of one call, the first included (default 3); 1 turns retries off. */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1 || maxAttempts > 10) {
                throw new IllegalArgumentException("maxAttempts: " + maxAttempts + " (expected: 1-10)");
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /**
         * Sets the exponential backoff: {@code base} before the first retry, doubling up to {@code max}, each wait
         * drawn uniformly between zero and that value (default 25 ms up to 250 ms); {@code Duration.ZERO} twice
         * retries at once.
         */
        public Builder backoff(Duration base, Duration max) {
            Objects.requireNonNull(base, "base");
            Objects.requireNonNull(max, "max");
            if (base.isNegative()) {
                throw new IllegalArgumentException("base: " + base + " (expected: >= 0)");
            }
            if (max.compareTo(base) < 0) {
                throw new IllegalArgumentException("max: " + max + " (expected: >= base " + base + ")");
            }
            this.baseBackoff = base;
            this.maxBackoff = max;
            return this;
        }

        /**
         * Sets a timeout for each attempt's response head, so that a hung instance leaves time to try another; the
         * route's timeout still bounds all attempts together.
         */
        public Builder perTryTimeout(Duration timeout) {
            this.perTryTimeout = Checks.positive(timeout, "perTryTimeout");
            return this;
        }

        /** Sets the response statuses that are retried, replacing the default 502, 503 and 504. */
        public Builder statuses(int... statuses) {
            Set<Integer> set = new TreeSet<>();
            for (int status : statuses) {
                if (status < 100 || status > 599) {
                    throw new IllegalArgumentException("status: " + status + " (expected: 100-599)");
                }
                set.add(status);
            }
            this.statuses = set;
            return this;
        }

        /**
         * Allows retrying methods that are not idempotent, such as POST (default {@code false}); their request body
         * must still be buffered (a filter buffers it with {@code Body.buffer}), else they are not retried.
         */
        public Builder nonIdempotent(boolean allowed) {
            this.nonIdempotent = allowed;
            return this;
        }

        /** Returns the policy. */
        public RetryPolicy build() {
            return new RetryPolicy(this);
        }
    }
}
