package dev.portico.core.ratelimit;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BandwidthBuilder;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.BucketListener;
import io.github.bucket4j.BucketState;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.MathType;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.VerboseResult;
import io.github.bucket4j.local.LockFreeBucket;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The buckets of one plan, in two generations: a bucket is looked up in the current one, then moved over from the
 * previous one, else created full. Every {@code rotation} (the plan's longest period) the previous generation is
 * dropped whole, so a bucket goes only after a whole period without a request, when it is full again and no
 * different from a new one; when the current generation reaches {@code maxKeys / 2} buckets it rotates early, which
 * bounds the plan to {@code maxKeys} buckets. Nothing ever scans the buckets.
 */
final class PlanBuckets {

    /** The buckets of one generation, counted as they are added. */
    private record Generation(ConcurrentHashMap<String, Entry> buckets, AtomicInteger size, long startedNanos) {

        Generation(long startedNanos) {
            this(new ConcurrentHashMap<>(), new AtomicInteger(), startedNanos);
        }
    }

    /** The current generation and the one before it. */
    private record Generations(Generation current, Generation previous) {
    }

    /** A bucket and when it was created: interval refills happen a whole number of periods after that. */
    private record Entry(LockFreeBucket bucket, long createdNanos) {
    }

    private final Limit[] limits;
    private final long[] periodNanos;
    private final BucketConfiguration configuration;
    private final TimeMeter time;
    private final long rotationNanos;
    private final int generationCap;
    private final AtomicReference<Generations> generations;

    PlanBuckets(Plan plan, TimeMeter time, int maxKeys) {
        this.limits = plan.limits().toArray(new Limit[0]);
        this.periodNanos = new long[limits.length];
        List<Bandwidth> bandwidths = new ArrayList<>(limits.length);
        long longest = 0;
        for (int i = 0; i < limits.length; i++) {
            Limit limit = limits[i];
            periodNanos[i] = saturatedNanos(limit.period());
            longest = Math.max(longest, periodNanos[i]);
            BandwidthBuilder.BandwidthBuilderRefillStage refill = Bandwidth.builder().capacity(limit.permits());
            BandwidthBuilder.BandwidthBuilderBuildStage built = limit.isSmooth()
                    ? refill.refillGreedy(limit.permits(), limit.period())
                    : refill.refillIntervally(limit.permits(), limit.period());
            bandwidths.add(built.id(Integer.toString(i)).build());
        }
        this.configuration = new BucketConfiguration(bandwidths);
        this.time = time;
        this.rotationNanos = longest;
        this.generationCap = Math.max(1, maxKeys / 2);
        long now = time.currentTimeNanos();
        this.generations = new AtomicReference<>(new Generations(new Generation(now), new Generation(now)));
    }

    /** Takes one permit from the bucket of {@code key}. */
    Decision acquire(String key) {
        Entry entry = entry(key);
        VerboseResult<ConsumptionProbe> result = entry.bucket().asVerbose().tryConsumeAndReturnRemaining(1);
        ConsumptionProbe probe = result.getValue();
        BucketState state = result.getState();
        long now = result.getOperationTimeNanos();
        int binding = 0;
        long bindingLeft = Long.MAX_VALUE;
        long bindingReset = 0;
        for (int i = 0; i < limits.length; i++) {
            long left = state.getCurrentSize(i);
            long reset = resetNanos(i, left, state.getRoundingError(i), now - entry.createdNanos());
            if (left < bindingLeft || left == bindingLeft && reset > bindingReset) {
                binding = i;
                bindingLeft = left;
                bindingReset = reset;
            }
        }
        Limit limit = limits[binding];
        if (probe.isConsumed()) {
            return Decision.allowed(limit, bindingLeft, Duration.ofNanos(bindingReset));
        }
        return Decision.refused(limit, Duration.ofNanos(probe.getNanosToWaitForRefill()), Duration.ofNanos(bindingReset));
    }

    /** Returns how many buckets both generations hold (a bucket moved over is counted in each). */
    int size() {
        Generations g = generations.get();
        return g.current().size().get() + g.previous().size().get();
    }

    /** Returns the nanoseconds until limit {@code i} is whole again, {@code age} after its bucket was created. */
    private long resetNanos(int i, long left, long roundingError, long age) {
        long missing = limits[i].permits() - left;
        if (missing <= 0) {
            return 0;
        }
        long period = periodNanos[i];
        if (!limits[i].isSmooth()) {
            return period - Math.floorMod(age, period); // the next interval refill renews the whole budget
        }
        double nanos = ((double) missing * period - roundingError) / limits[i].permits();
        return (long) Math.ceil(Math.max(0, nanos));
    }

    private Entry entry(String key) {
        Generations g = generations.get();
        long now = time.currentTimeNanos();
        Generation current = g.current();
        if (now - current.startedNanos() >= rotationNanos || current.size().get() >= generationCap) {
            g = rotate(g, now);
            current = g.current();
        }
        Entry entry = current.buckets().get(key);
        if (entry != null) {
            return entry;
        }
        Generation previous = g.previous();
        Generation target = current;
        return current.buckets().computeIfAbsent(key, k -> {
            target.size().incrementAndGet();
            Entry old = previous.buckets().get(k);
            return old != null ? old : new Entry(new LockFreeBucket(configuration, MathType.INTEGER_64_BITS, time,
                    BucketListener.NOPE), now);
        });
    }

    /** Drops the previous generation, once, whichever thread gets here first. */
    private Generations rotate(Generations seen, long now) {
        Generations next = new Generations(new Generation(now), seen.current());
        return generations.compareAndSet(seen, next) ? next : generations.get();
    }

    private static long saturatedNanos(Duration period) {
        try {
            return period.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
