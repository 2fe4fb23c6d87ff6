package dev.portico.redis;

import dev.portico.core.ratelimit.Decision;
import dev.portico.core.ratelimit.Limit;
import dev.portico.core.ratelimit.Plan;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConfigurationBuilder;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.VerboseResult;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.zip.CRC32;

/**
 * One plan translated for Bucket4j once: its bucket configuration, the start of its keys in Redis, and how a
 * consumption's result becomes a {@link Decision}.
 */
final class PlanBuckets {

    private final List<Limit> limits;
    private final BucketConfiguration configuration;
    private final String keyStart;

    PlanBuckets(String prefix, Plan plan) {
        this.limits = plan.limits();
        ConfigurationBuilder builder = BucketConfiguration.builder();
        for (Limit limit : limits) {
            builder.addLimit(bandwidth(limit));
        }
        this.configuration = builder.build();
        this.keyStart = prefix + escape(plan.name()) + '@' + fingerprint(limits) + ':';
    }

    /** Returns the Bucket4j bandwidth of a limit: capacity = permits, renewed at once or refilled smoothly. */
    static Bandwidth bandwidth(Limit limit) {
        var capacity = Bandwidth.builder().capacity(limit.permits());
        return (limit.isSmooth()
                ? capacity.refillGreedy(limit.permits(), limit.period())
                : capacity.refillIntervally(limit.permits(), limit.period())).build();
    }

    BucketConfiguration configuration() {
        return configuration;
    }

    /** Returns the Redis key of this plan's bucket for {@code key}: prefix, plan name and fingerprint, key. */
    String redisKey(String key) {
        return keyStart.concat(key);
    }

    /** Returns the decision for one consumption: the binding limit is the one with the fewest permits left. */
    Decision decision(VerboseResult<ConsumptionProbe> result) {
        ConsumptionProbe probe = result.getValue();
        long[] left = result.getDiagnostics().getAvailableTokensPerEachBandwidth();
        int binding = 0;
        for (int i = 1; i < left.length; i++) {
            if (left[i] < left[binding]) {
                binding = i;
            }
        }
        Limit limit = limits.get(binding);
        Duration reset = reset(limit, left[binding], probe.getNanosToWaitForReset());
        return probe.isConsumed()
                ? Decision.allowed(limit, left[binding], reset)
                : Decision.refused(limit, Duration.ofNanos(probe.getNanosToWaitForRefill()), reset);
    }

    /**
     * Returns the time until {@code limit}'s budget is whole again: never later than the whole bucket's, one period at
     * most for a renewed limit, and in proportion to the permits missing for a smooth one.
     */
    private static Duration reset(Limit limit, long left, long wholeBucketNanos) {
        if (left >= limit.permits()) {
            return Duration.ZERO;
        }
        long periodNanos = limit.period().toNanos();
        long own = limit.isSmooth()
                ? (long) Math.ceil((double) (limit.permits() - Math.max(0, left)) / limit.permits() * periodNanos)
                : periodNanos;
        return Duration.ofNanos(Math.min(own, wholeBucketNanos));
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
            text.append(limit.permits()).append('/').append(limit.period().toNanos())
                    .append(limit.isSmooth() ? "s" : "i").append(',');
        }
        CRC32 crc = new CRC32();
        crc.update(text.toString().getBytes(StandardCharsets.US_ASCII));
        return String.format("%08x", crc.getValue());
    }
}
