package dev.portico.redis;

import dev.portico.core.internal.Digests;
import dev.portico.core.ratelimit.Decision;
import dev.portico.core.ratelimit.Limit;
import dev.portico.core.ratelimit.Plan;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.BucketState;
import io.github.bucket4j.ConfigurationBuilder;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.VerboseResult;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32;

/**
 * One plan translated for Redis once: the Bucket4j configuration of its bucket limits, the {@link SlidingScript}'s
 * arguments for its sliding limits, the start of its keys, and how their answers become a {@link Decision}.
 */
final class PlanBuckets {

    private static final int MAX_KEY_LENGTH = 128;

    private final List<Limit> limits;
    /** For each limit, its index among the bucket's bandwidths, or -1 − its index among the sliding limits. */
    private final int[] slots;
    private final CompletableFuture<BucketConfiguration> configuration;
    private final String keyStart;
    /** Per sliding limit: the start of its sorted sets' keys, and its permits and period in microseconds. */
    private final String[] slidingStarts;
    private final long[] slidingPermits;
    private final long[] periodMicros;
    private final byte[][] slidingArgs;

    PlanBuckets(String prefix, Plan plan) {
        this.limits = plan.limits();
        this.slots = new int[limits.size()];
        String fingerprint = fingerprint(limits);
        ConfigurationBuilder builder = BucketConfiguration.builder();
        List<Integer> sliding = new ArrayList<>();
        int bandwidths = 0;
        for (int i = 0; i < slots.length; i++) {
            Limit limit = limits.get(i);
            if (limit.isSliding()) {
                slots[i] = -1 - sliding.size();
                sliding.add(i);
            } else {
                slots[i] = bandwidths++;
                builder.addLimit(bandwidth(limit));
            }
        }
        this.configuration = bandwidths == 0 ? null : CompletableFuture.completedFuture(builder.build());
        String planStart = prefix + escape(plan.name()) + '@' + fingerprint;
        this.keyStart = planStart + ':';
        int n = sliding.size();
        this.slidingStarts = new String[n];
        this.slidingPermits = new long[n];
        this.periodMicros = new long[n];
        this.slidingArgs = new byte[1 + 2 * n][];
        for (int j = 0; j < n; j++) {
            Limit limit = limits.get(sliding.get(j));
            slidingStarts[j] = planStart + '/' + sliding.get(j) + ':';
            slidingPermits[j] = limit.permits();
            periodMicros[j] = ceilMicros(limit.period());
            slidingArgs[1 + 2 * j] = ascii(Long.toString(slidingPermits[j]));
            slidingArgs[2 + 2 * j] = ascii(Long.toString(periodMicros[j]));
        }
    }

    /** Returns the Bucket4j bandwidth of a limit: capacity = permits, renewed at once or refilled smoothly. */
    static Bandwidth bandwidth(Limit limit) {
        var capacity = Bandwidth.builder().capacity(limit.permits());
        return (limit.isSmooth()
                ? capacity.refillGreedy(limit.permits(), limit.period())
                : capacity.refillIntervally(limit.permits(), limit.period())).build();
    }

    /** Returns whether the plan has sliding limits, counted by the {@link SlidingScript}. */
    boolean hasSliding() {
        return slidingStarts.length > 0;
    }

    /** Returns whether the plan has bucket limits, counted by Bucket4j. */
    boolean hasBuckets() {
        return configuration != null;
    }

    /**
     * Returns the keys of the sorted sets of {@code key}, one per sliding limit: {@code <prefix><plan name>@<digest>/
     * <limit's index in the plan>:<key>}, which no bucket's key can equal (a digest is followed by {@code :}).
     */
    String[] slidingKeys(String key) {
        String stored = stored(key);
        String[] keys = new String[slidingStarts.length];
        for (int j = 0; j < keys.length; j++) {
            keys[j] = slidingStarts[j].concat(stored);
        }
        return keys;
    }

    /** Returns the script's arguments for a request whose unique member is {@code member}. */
    byte[][] slidingArgs(byte[] member) {
        byte[][] args = slidingArgs.clone();
        args[0] = member;
        return args;
    }

    /** Returns the plan's bucket configuration, already complete, as Bucket4j's asynchronous builder takes it. */
    CompletableFuture<BucketConfiguration> configuration() {
        return configuration;
    }

    /**
     * Returns the Redis key of this plan's bucket for {@code key}: prefix, plan name and fingerprint, then the key
     * itself, or its SHA-256 digest when it is longer than 128 characters, so that a client cannot make Redis hold
     * large keys.
     */
    String redisKey(String key) {
        return keyStart.concat(stored(key));
    }

    private static String stored(String key) {
        return key.length() > MAX_KEY_LENGTH ? Digests.sha256Key(key) : key;
    }

    /**
     * Returns the decision for one consumption: the binding limit is the one with the fewest permits left (of two
     * with as few, the one whole again later), as for the local limiter.
     */
    Decision decision(VerboseResult<ConsumptionProbe> result) {
        ConsumptionProbe probe = result.getValue();
        BucketState state = result.getState();
        long wholeBucket = probe.getNanosToWaitForReset();
        int binding = 0;
        long bindingLeft = Long.MAX_VALUE;
        long bindingReset = 0;
        for (int i = 0; i < limits.size(); i++) {
            long left = state.getCurrentSize(i);
            long reset = resetNanos(limits.get(i), left, state.getRoundingError(i), wholeBucket);
            if (left < bindingLeft || left == bindingLeft && reset > bindingReset) {
                binding = i;
                bindingLeft = left;
                bindingReset = reset;
            }
        }
        Limit limit = limits.get(binding);
        // the probe's own count, not the state's: a batched call's state is the bucket's after the whole batch
        return probe.isConsumed()
                ? Decision.allowed(limit, probe.getRemainingTokens(), Duration.ofNanos(bindingReset))
                : Decision.refused(limit, Duration.ofNanos(probe.getNanosToWaitForRefill()),
                        Duration.ofNanos(bindingReset));
    }

    /**
     * Returns the decision of a plan with sliding limits from the script's answer and, when the plan has bucket
     * limits, the bucket's: a consumption when the script accepted the request (if the bucket refused it, its
     * members are {@linkplain SlidingScript#forget forgotten}, so they are not counted here), else an estimate.
     */
    Decision decision(List<Long> script, VerboseResult<?> bucket) {
        boolean accepted = script.get(0) == 1;
        boolean allowed = accepted;
        long now = script.get(1);
        long wait = 0;
        long bucketRemaining = 0;
        long wholeBucket = Long.MAX_VALUE;
        BucketState state = null;
        if (bucket != null) {
            state = bucket.getState();
            if (bucket.getValue() instanceof ConsumptionProbe probe) {
                allowed = probe.isConsumed();
                wait = probe.getNanosToWaitForRefill();
                bucketRemaining = probe.getRemainingTokens();
                wholeBucket = probe.getNanosToWaitForReset();
            } else if (bucket.getValue() instanceof EstimationProbe probe) {
                wait = probe.getNanosToWaitForRefill();
            }
        }
        int binding = 0;
        long bindingLeft = Long.MAX_VALUE;
        long bindingReset = 0;
        for (int i = 0; i < slots.length; i++) {
            long left;
            long reset;
            if (slots[i] >= 0) {
                left = state.getCurrentSize(slots[i]);
                reset = resetNanos(limits.get(i), left, state.getRoundingError(slots[i]), wholeBucket);
            } else {
                int j = -1 - slots[i];
                int at = 2 + 3 * j;
                long count = script.get(at) - (accepted && !allowed ? 1 : 0);
                left = slidingPermits[j] - count;
                reset = count == 0 ? 0 : nanosFromMicros(script.get(at + 2) + periodMicros[j] - now);
                if (!allowed && left <= 0) {
                    wait = Math.max(wait, nanosFromMicros(script.get(at + 1) + periodMicros[j] - now));
                }
            }
            if (left < bindingLeft || left == bindingLeft && reset > bindingReset) {
                binding = i;
                bindingLeft = left;
                bindingReset = reset;
            }
        }
        Limit limit = limits.get(binding);
        if (!allowed) {
            return Decision.refused(limit, Duration.ofNanos(wait), Duration.ofNanos(bindingReset));
        }
        long remaining = slots[binding] >= 0 ? bucketRemaining : bindingLeft; // the probe's, as below
        return Decision.allowed(limit, remaining, Duration.ofNanos(bindingReset));
    }

    /**
     * Returns the nanoseconds until {@code limit}'s budget is whole again, never later than the whole bucket's: in
     * proportion to the permits missing for a smooth limit; for a renewed one, the whole bucket's time when it is
     * the plan's only limit, else at most one period (the store does not say when the bucket was made).
     */
    private static long resetNanos(Limit limit, long left, long roundingError, long wholeBucketNanos) {
        long missing = limit.permits() - left;
        if (missing <= 0) {
            return 0;
        }
        long period = saturatedNanos(limit.period());
        long own = limit.isSmooth()
                ? (long) Math.ceil(Math.max(0, ((double) missing * period - roundingError) / limit.permits()))
                : period;
        return Math.min(own, wholeBucketNanos);
    }

    private static long nanosFromMicros(long micros) {
        return Math.max(0, micros) * 1_000;
    }

    /** Returns the period in whole microseconds, rounded up, the unit of Redis's {@code TIME}. */
    private static long ceilMicros(Duration period) {
        long seconds = Math.min(period.getSeconds(), 1L << 40); // 34,000 years: far below any overflow
        return seconds * 1_000_000 + (period.getNano() + 999) / 1_000;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static long saturatedNanos(Duration period) {
        try {
            return period.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** Escapes {@code %} and {@code :} in a plan name, so that a name cannot run into the key after it. */
    private static String escape(String name) {
        return name.replace("%", "%25").replace(":", "%3A");
    }

    /**
     * Returns a short, stable digest of the limits: a plan whose limits change gets new buckets instead of keeping
     * the old limits stored in Redis until its busy keys go idle.
     */
    private static String fingerprint(List<Limit> limits) {
        StringBuilder text = new StringBuilder();
        for (Limit limit : limits) {
            text.append(limit.permits()).append('/').append(limit.period())
                    .append(limit.isSliding() ? "w" : limit.isSmooth() ? "s" : "i").append(',');
        }
        CRC32 crc = new CRC32();
        crc.update(text.toString().getBytes(StandardCharsets.US_ASCII));
        return String.format("%08x", crc.getValue());
    }
}
