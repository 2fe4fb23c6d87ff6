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
import io.github.bucket4j.VerboseResult;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32;

/**
 * One plan translated for Bucket4j once: its bucket configuration, the start of its keys in Redis, and how a
 * consumption's result becomes a {@link Decision}.
 */
final class PlanBuckets {

    private static final int MAX_KEY_LENGTH = 128;

    private final List<Limit> limits;
    private final CompletableFuture<BucketConfiguration> configuration;
    private final String keyStart;

    PlanBuckets(String prefix, Plan plan) {
        this.limits = plan.limits();
        ConfigurationBuilder builder = BucketConfiguration.builder();
        for (Limit limit : limits) {
            builder.addLimit(bandwidth(limit));
        }
        this.configuration = CompletableFuture.completedFuture(builder.build());
        this.keyStart = prefix + escape(plan.name()) + '@' + fingerprint(limits) + ':';
    }

    /** Returns the Bucket4j bandwidth of a limit: capacity = permits, renewed at once or refilled smoothly. */
    static Bandwidth bandwidth(Limit limit) {
        var capacity = Bandwidth.builder().capacity(limit.permits());
        return (limit.isSmooth()
                ? capacity.refillGreedy(limit.permits(), limit.period())
                : capacity.refillIntervally(limit.permits(), limit.period())).build();
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
        return keyStart.concat(key.length() > MAX_KEY_LENGTH ? Digests.sha256Key(key) : key);
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
                    .append(limit.isSmooth() ? "s" : "i").append(',');
        }
        CRC32 crc = new CRC32();
        crc.update(text.toString().getBytes(StandardCharsets.US_ASCII));
        return String.format("%08x", crc.getValue());
    }
}
