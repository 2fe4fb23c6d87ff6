package dev.portico.core.ratelimit;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BandwidthBuilder;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.BucketListener;
import io.github.bucket4j.BucketState;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
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
 * The buckets of one plan, each a Bucket4j bucket for its bucket limits and a {@link SlidingLog} per sliding limit,
 * in two generations: a bucket is looked up in the current one, then moved over from the
 * previous one, else created full. Every {@code rotation} (the plan's longest period) the previous generation is
 * dropped whole, so a bucket goes only after a whole period without a request, when it is full again and no
 * different from a new one; when the current generation reaches {@code maxKeys / 2} buckets it rotates early, which
 * bounds the plan to {@code maxKeys} buckets. Nothing ever scans the buckets. A plan of bucket limits only is
 * lock-free; one with sliding limits locks each key's bucket for the short time of a decision, since its logs and
 * its Bucket4j bucket must change together.
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

    /**
     * A key's Bucket4j bucket ({@code null} when the plan has only sliding limits), when it was created (interval
     * refills happen a whole number of periods after that), and its sliding logs.
     */
    private record Entry(LockFreeBucket bucket, long createdNanos, SlidingLog[] logs) {
    }

    private static final SlidingLog[] NO_LOGS = {};

    private final Limit[] limits;
    private final long[] periodNanos;
    /** For each limit, its index among the bucket's bandwidths, or -1 − its index among the sliding logs. */
    private final int[] slots;
    private final SlidingLog.Window[] windows;
    private final BucketConfiguration configuration;
    private final TimeMeter time;
    private final long rotationNanos;
    private final int generationCap;
    private final AtomicReference<Generations> generations;

    PlanBuckets(Plan plan, TimeMeter time, int maxKeys) {
        this.limits = plan.limits().toArray(new Limit[0]);
        this.periodNanos = new long[limits.length];
        this.slots = new int[limits.length];
        List<Bandwidth> bandwidths = new ArrayList<>(limits.length);
        List<SlidingLog.Window> sliding = new ArrayList<>();
        long longest = 0;
        for (int i = 0; i < limits.length; i++) {
            Limit limit = limits[i];
            periodNanos[i] = saturatedNanos(limit.period());
            longest = Math.max(longest, periodNanos[i]);
            if (limit.isSliding()) {
                slots[i] = -1 - sliding.size();
                sliding.add(SlidingLog.Window.of(limit));
                continue;
            }
            slots[i] = bandwidths.size();
            BandwidthBuilder.BandwidthBuilderRefillStage refill = Bandwidth.builder().capacity(limit.permits());
            BandwidthBuilder.BandwidthBuilderBuildStage built = limit.isSmooth()
                    ? refill.refillGreedy(limit.permits(), limit.period())
                    : refill.refillIntervally(limit.permits(), limit.period());
            bandwidths.add(built.id(Integer.toString(i)).build());
        }
        this.windows = sliding.toArray(new SlidingLog.Window[0]);
        this.configuration = bandwidths.isEmpty() ? null : new BucketConfiguration(bandwidths);
        this.time = time;
        this.rotationNanos = longest;
        this.generationCap = Math.max(1, maxKeys / 2);
        long now = time.currentTimeNanos();
        this.generations = new AtomicReference<>(new Generations(new Generation(now), new Generation(now)));
    }

    /** Takes one permit from the bucket of {@code key}. */
    Decision acquire(String key) {
        Entry entry = entry(key);
        if (entry.logs().length == 0) {
            return decide(entry); // Bucket4j's own compare-and-swap
        }
        synchronized (entry) {
            return decide(entry);
        }
    }

    /**
     * Takes a permit from every limit or from none: the sliding logs are asked first, and the Bucket4j bucket is
     * consumed only when they have room (else only read); the logs record the request only when the bucket took it.
     */
    private Decision decide(Entry entry) {
        long now = entry.logs().length == 0 ? 0 : time.currentTimeNanos(); // for the logs: a bucket reads its own
        boolean room = true;
        for (SlidingLog log : entry.logs()) {
            room &= log.hasRoom(now);
        }
        boolean allowed = room;
        long wait = 0;
        BucketState state = null;
        long bucketNow = now;
        if (entry.bucket() != null) {
            if (room) {
                VerboseResult<ConsumptionProbe> result = entry.bucket().asVerbose().tryConsumeAndReturnRemaining(1);
                allowed = result.getValue().isConsumed();
                wait = result.getValue().getNanosToWaitForRefill();
                state = result.getState();
                bucketNow = result.getOperationTimeNanos();
            } else {
                VerboseResult<EstimationProbe> result = entry.bucket().asVerbose().estimateAbilityToConsume(1);
                wait = result.getValue().getNanosToWaitForRefill();
                state = result.getState();
                bucketNow = result.getOperationTimeNanos();
            }
        }
        if (allowed) {
            for (SlidingLog log : entry.logs()) {
                log.add(now);
            }
        }
        int binding = 0;
        long bindingLeft = Long.MAX_VALUE;
        long bindingReset = 0;
        for (int i = 0; i < limits.length; i++) {
            int slot = slots[i];
            long left;
            long reset;
            if (slot >= 0) {
                left = state.getCurrentSize(slot);
                reset = resetNanos(i, left, state.getRoundingError(slot), bucketNow - entry.createdNanos());
            } else {
                SlidingLog log = entry.logs()[-1 - slot];
                left = limits[i].permits() - log.size();
                reset = log.nanosToEmpty(now);
                wait = allowed ? 0 : Math.max(wait, log.nanosToRoom(now));
            }
            if (left < bindingLeft || left == bindingLeft && reset > bindingReset) {
                binding = i;
                bindingLeft = left;
                bindingReset = reset;
            }
        }
        Limit limit = limits[binding];
        if (allowed) {
            return Decision.allowed(limit, bindingLeft, Duration.ofNanos(bindingReset));
        }
        return Decision.refused(limit, Duration.ofNanos(wait), Duration.ofNanos(bindingReset));
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
            return old != null ? old : newEntry(now);
        });
    }

    private Entry newEntry(long now) {
        LockFreeBucket bucket = configuration == null ? null
                : new LockFreeBucket(configuration, MathType.INTEGER_64_BITS, time, BucketListener.NOPE);
        if (windows.length == 0) {
            return new Entry(bucket, now, NO_LOGS);
        }
        SlidingLog[] logs = new SlidingLog[windows.length];
        for (int i = 0; i < logs.length; i++) {
            logs[i] = new SlidingLog(windows[i], now);
        }
        return new Entry(bucket, now, logs);
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
