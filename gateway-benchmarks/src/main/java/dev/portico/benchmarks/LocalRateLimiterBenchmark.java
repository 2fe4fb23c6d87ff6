package dev.portico.benchmarks;

import dev.portico.core.ratelimit.Decision;
import dev.portico.core.ratelimit.Limit;
import dev.portico.core.ratelimit.LocalRateLimiter;
import dev.portico.core.ratelimit.Plan;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The cost of one {@link LocalRateLimiter} decision, as the filter asks for it ({@code tryAcquire} and its completed
 * stage): one hot key, a working set of 10,000 keys, and a flood of a million distinct keys that keeps the
 * generations rotating at the default cap.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LocalRateLimiterBenchmark {

    private static final int FLOOD = 1 << 20;

    private final LocalRateLimiter limiter = LocalRateLimiter.create();
    /** Budgets no benchmark can spend (Bucket4j allows at most one permit a nanosecond). */
    private final Plan plan = Plan.of("default", Limit.of(1_000_000_000_000L, Duration.ofHours(1)));
    private final Plan twoLimits = Plan.of("tiered", Limit.of(500_000_000, Duration.ofSeconds(1)),
            Limit.of(1_000_000_000_000L, Duration.ofHours(1)));
    private final Plan spent = Plan.of("spent", Limit.of(1, Duration.ofHours(1)));
    private final String[] working = new String[10_000];
    private final String[] flood = new String[FLOOD];
    private int next;

    /** Builds the keys before measuring, so that no key is built inside a measured call. */
    @Setup
    public void keys() {
        for (int i = 0; i < working.length; i++) {
            working[i] = "rate-limit|ip:10.0." + (i >> 8) + '.' + (i & 0xff);
        }
        for (int i = 0; i < FLOOD; i++) {
            flood[i] = "rate-limit|ip:2001:db8::" + Integer.toHexString(i);
        }
    }

    private Decision take(String key, Plan p) {
        return limiter.tryAcquire(key, p).toCompletableFuture().join();
    }

    /** One client address, allowed every time. */
    @Benchmark
    public Decision hotKey() {
        return take("rate-limit|ip:203.0.113.7", plan);
    }

    /** One client address under a plan of two limits. */
    @Benchmark
    public Decision hotKeyTwoLimits() {
        return take("rate-limit|ip:203.0.113.7", twoLimits);
    }

    /** One client address over its budget, refused every time. */
    @Benchmark
    public Decision hotKeyRefused() {
        return take("rate-limit|ip:203.0.113.8", spent);
    }

    /** 10,000 client addresses in turn, all kept in memory. */
    @Benchmark
    public Decision manyKeys() {
        next = next + 1 == working.length ? 0 : next + 1;
        return take(working[next], plan);
    }

    /** A million distinct addresses in turn: most calls create a bucket, and the generations keep rotating. */
    @Benchmark
    public Decision floodOfKeys() {
        next = (next + 1) & (FLOOD - 1);
        return take(flood[next], plan);
    }
}
