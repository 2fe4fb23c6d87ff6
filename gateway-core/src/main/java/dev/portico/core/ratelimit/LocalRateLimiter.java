package dev.portico.core.ratelimit;

import dev.portico.core.TimeSource;
import dev.portico.core.internal.Digests;
import io.github.bucket4j.TimeMeter;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A {@link RateLimiter} that keeps its buckets in this process's memory (Bucket4j, and a log of accepted requests
 * per sliding limit), deciding at once on the calling thread; its memory stays bounded however many distinct keys
 * arrive.
 *
 * <pre>{@code
 * RateLimiter limiter = LocalRateLimiter.builder().maxKeys(200_000).build();
 * }</pre>
 *
 * <p><b>Buckets.</b> There is one bucket per plan and key: a Bucket4j bandwidth per whole or smooth {@link Limit},
 * configured once per plan, and per {@link Limit#sliding() sliding} limit a ring of the times of the requests it
 * accepted within the last period (4 bytes each, grown as the key needs them, up to the limit's permits). A
 * decision's limit is the plan's limit with the fewest permits left (on a tie, the one whose budget is whole again
 * later, then the first); its {@code reset} is the time until that limit's budget is whole again (for a sliding
 * limit, a period after the latest request it accepted), and a refusal's {@code retryAfter} the time until every
 * limit has a permit again (for a sliding limit, a period after the oldest request it remembers). A plan of bucket
 * limits decides lock-free; a plan with a sliding limit locks the key's bucket for the time of one decision.
 *
 * <p><b>Memory.</b> A bucket that has seen no request for its plan's longest period is full again, so it is dropped:
 * the next request of its key gets a new, equally full bucket. Buckets are kept in two generations that rotate once
 * per longest period, so dropping them costs nothing per request and never scans. Independently, each plan holds at
 * most {@link Builder#maxKeys(int) maxKeys} buckets: when a flood of new keys fills half of that within one period,
 * the generations rotate early, and the keys that made no request since the last rotation lose their bucket and
 * start again with a full budget. Under such a flood the limiter therefore admits more than the limits for those
 * keys, rather than refusing keys it has no room for or growing without bound. Keys longer than 128 characters are
 * held as their SHA-256 digest.
 */
public final class LocalRateLimiter implements RateLimiter {

    /** The default of {@link Builder#maxKeys(int)}. */
    public static final int DEFAULT_MAX_KEYS = 100_000;

    private static final int MAX_KEY_LENGTH = 128;

    private final ConcurrentHashMap<Plan, PlanBuckets> plans = new ConcurrentHashMap<>();
    private final TimeMeter time;
    private final int maxKeys;
    private final ConcurrentHashMap<TimeSource, LocalRateLimiter> clocked = new ConcurrentHashMap<>(1);

    private LocalRateLimiter(TimeMeter time, int maxKeys) {
        this.time = time;
        this.maxKeys = maxKeys;
    }

    /** Returns a limiter holding at most {@value #DEFAULT_MAX_KEYS} buckets per plan. */
    public static LocalRateLimiter create() {
        return builder().build();
    }

    /** Returns a builder. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public CompletionStage<Decision> tryAcquire(String key, Plan plan) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(plan, "plan");
        return CompletableFuture.completedFuture(decide(key, plan));
    }

    /**
     * Takes one permit; under a time source other than the system's (a test's clock), from buckets of their own
     * that refill by that source's time.
     */
    @Override
    public CompletionStage<Decision> tryAcquire(String key, Plan plan, TimeSource time) {
        if (time == TimeSource.system()) {
            return tryAcquire(key, plan);
        }
        return clocked.computeIfAbsent(time, t -> new LocalRateLimiter(meter(t::nanoTime), maxKeys)).tryAcquire(key, plan);
    }

    private static TimeMeter meter(LongSupplier nanos) {
        return new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return nanos.getAsLong();
            }

            @Override
            public boolean isWallClockBased() {
                return false;
            }
        };
    }

    /** Takes one permit, synchronously. */
    Decision decide(String key, Plan plan) {
        PlanBuckets buckets = plans.get(plan);
        if (buckets == null) {
            buckets = plans.computeIfAbsent(plan, p -> new PlanBuckets(p, time, maxKeys));
        }
        return buckets.acquire(key.length() > MAX_KEY_LENGTH ? Digests.sha256Key(key) : key);
    }

    /** Returns how many buckets the limiter holds for this plan. */
    int size(Plan plan) {
        PlanBuckets buckets = plans.get(plan);
        return buckets == null ? 0 : buckets.size();
    }

    @Override
    public String toString() {
        return "LocalRateLimiter{maxKeys=" + maxKeys + ", plans=" + plans.size() + '}';
    }

    /** A builder of {@link LocalRateLimiter}. */
    public static final class Builder {

        private int maxKeys = DEFAULT_MAX_KEYS;
        private TimeMeter time = TimeMeter.SYSTEM_NANOTIME;

        private Builder() {
        }

        /**
         * Sets how many buckets each plan may hold at most; default {@value #DEFAULT_MAX_KEYS}. A bucket takes
         * about 350 bytes with its key, so the default bounds a one-limit plan to some 35 MB; a sliding limit adds
         * up to 4 bytes per permit to each key that uses them.
         */
        public Builder maxKeys(int maxKeys) {
            if (maxKeys < 2) {
                throw new IllegalArgumentException("maxKeys: " + maxKeys + " (expected: >= 2)");
            }
            this.maxKeys = maxKeys;
            return this;
        }

        /** Reads time from this nanosecond clock instead of {@link System#nanoTime()}: for tests. */
        Builder nanoClock(LongSupplier nanos) {
            this.time = meter(Objects.requireNonNull(nanos, "nanos"));
            return this;
        }

        /** Returns the limiter. */
        public LocalRateLimiter build() {
            return new LocalRateLimiter(time, maxKeys);
        }
    }
}
