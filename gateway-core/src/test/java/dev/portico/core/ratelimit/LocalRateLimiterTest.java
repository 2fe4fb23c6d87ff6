package dev.portico.core.ratelimit;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The in-process limiter, on a clock the test moves: budgets, renewals, plans, several limits, bounded memory. */
class LocalRateLimiterTest {

    private static final Duration MINUTE = Duration.ofMinutes(1);

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final LocalRateLimiter limiter = LocalRateLimiter.builder().nanoClock(nanos::get).build();

    private void advance(Duration by) {
        nanos.addAndGet(by.toNanos());
    }

    private Decision take(String key, Plan plan) {
        return limiter.tryAcquire(key, plan).toCompletableFuture().join();
    }

    @Test
    void allowsThePermitsOfAPeriodThenRefusesUntilTheWholeBudgetIsRenewed() {
        Plan plan = Plan.of("p", Limit.of(3, MINUTE));

        assertThat(take("a", plan).remaining()).isEqualTo(2);
        advance(Duration.ofSeconds(10));
        assertThat(take("a", plan).remaining()).isEqualTo(1);
        Decision last = take("a", plan);
        Decision refused = take("a", plan);

        assertThat(last.isAllowed()).isTrue();
        assertThat(last.remaining()).isZero();
        assertThat(last.reset()).isEqualTo(Duration.ofSeconds(50));
        assertThat(refused.isAllowed()).isFalse();
        assertThat(refused.limit()).isEqualTo(Limit.of(3, MINUTE));
        assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(50));
        assertThat(refused.reset()).isEqualTo(Duration.ofSeconds(50));

        advance(Duration.ofSeconds(49));
        assertThat(take("a", plan).isAllowed()).as("nothing comes back before the period ends").isFalse();
        advance(Duration.ofSeconds(1));
        Decision renewed = take("a", plan);
        assertThat(renewed.isAllowed()).isTrue();
        assertThat(renewed.remaining()).as("the whole budget at once").isEqualTo(2);
        assertThat(renewed.reset()).isEqualTo(MINUTE);
    }

    @Test
    void aSmoothLimitGivesBackOnePermitEveryPeriodDividedByPermits() {
        Plan plan = Plan.of("p", Limit.of(6, MINUTE).smooth());
        for (int i = 0; i < 6; i++) {
            assertThat(take("a", plan).isAllowed()).isTrue();
        }
        Decision refused = take("a", plan);
        assertThat(refused.isAllowed()).isFalse();
        assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(10));
        assertThat(refused.reset()).isEqualTo(MINUTE);

        advance(Duration.ofSeconds(10));
        Decision one = take("a", plan);
        assertThat(one.isAllowed()).isTrue();
        assertThat(one.remaining()).isZero();
        assertThat(take("a", plan).isAllowed()).isFalse();

        advance(Duration.ofSeconds(30));
        Decision three = take("a", plan);
        assertThat(three.remaining()).as("three came back, one taken").isEqualTo(2);
        assertThat(three.reset()).as("four missing, ten seconds each").isEqualTo(Duration.ofSeconds(40));
    }

    @Test
    void severalLimitsApplyTogetherAndTheOneWithFewestPermitsLeftBinds() {
        Limit perSecond = Limit.of(10, Duration.ofSeconds(1));
        Limit perMinute = Limit.of(15, MINUTE);
        Plan plan = Plan.of("p", perSecond, perMinute);

        Decision first = take("a", plan);
        assertThat(first.limit()).isEqualTo(perSecond);
        assertThat(first.remaining()).isEqualTo(9);
        for (int i = 0; i < 9; i++) {
            take("a", plan);
        }
        Decision burst = take("a", plan);
        assertThat(burst.isAllowed()).isFalse();
        assertThat(burst.limit()).isEqualTo(perSecond);
        assertThat(burst.retryAfter()).isEqualTo(Duration.ofSeconds(1));

        advance(Duration.ofSeconds(1));
        List<Decision> next = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            next.add(take("a", plan));
        }
        assertThat(next.get(0).limit()).as("5 left a minute, 9 a second").isEqualTo(perMinute);
        assertThat(next.get(0).remaining()).isEqualTo(4);
        assertThat(next.get(4).remaining()).isZero();
        assertThat(next.get(4).reset()).isEqualTo(Duration.ofSeconds(59));
        Decision refused = next.get(5);
        assertThat(refused.isAllowed()).isFalse();
        assertThat(refused.limit()).isEqualTo(perMinute);
        assertThat(refused.retryAfter()).as("the minute binds, though the second has permits").isEqualTo(Duration.ofSeconds(59));
    }

    @Test
    void eachPlanAndEachKeyHasItsOwnBucket() {
        Plan free = Plan.of("free", Limit.of(1, MINUTE));
        Plan gold = Plan.of("gold", Limit.of(1, MINUTE));

        assertThat(take("a", free).isAllowed()).isTrue();
        assertThat(take("a", free).isAllowed()).isFalse();
        assertThat(take("a", gold).isAllowed()).as("the same key under another plan").isTrue();
        assertThat(take("b", free).isAllowed()).as("another key under the same plan").isTrue();
        assertThat(take("a", Plan.of("free", Limit.of(1, MINUTE))).isAllowed())
                .as("an equal plan is the same plan").isFalse();
    }

    @Test
    void aKeyLongerThan128CharactersIsHeldByItsDigestAndStillDistinct() {
        Plan plan = Plan.of("p", Limit.of(1, MINUTE));
        String longKey = "k".repeat(10_000);

        assertThat(take(longKey, plan).isAllowed()).isTrue();
        assertThat(take(longKey, plan).isAllowed()).isFalse();
        assertThat(take(longKey + "x", plan).isAllowed()).isTrue();
    }

    @Test
    void bucketsIdleForTheLongestPeriodAreDroppedAndComeBackFull() {
        LocalRateLimiter limiter = LocalRateLimiter.builder().maxKeys(1_000_000).nanoClock(nanos::get).build();
        Plan plan = Plan.of("p", Limit.of(2, Duration.ofSeconds(1)), Limit.of(5, MINUTE));
        for (int i = 0; i < 300_000; i++) {
            limiter.decide("ip:" + i, plan);
        }
        limiter.decide("spent", plan);
        limiter.decide("spent", plan);
        assertThat(limiter.decide("spent", plan).isAllowed()).isFalse();
        assertThat(limiter.size(plan)).isEqualTo(300_001);

        advance(MINUTE);
        limiter.decide("other", plan);
        assertThat(limiter.size(plan)).as("one rotation: the idle buckets are in the previous generation").isGreaterThan(300_000);
        advance(MINUTE);
        limiter.decide("other", plan);
        assertThat(limiter.size(plan)).as("two rotations: only the bucket used since remains, in both generations")
                .isEqualTo(2);

        Decision back = limiter.decide("spent", plan);
        assertThat(back.isAllowed()).isTrue();
        assertThat(back.remaining()).as("a new bucket is a full one").isEqualTo(1);
    }

    @Test
    void aBucketUsedWithinEachPeriodIsKeptAcrossRotations() {
        Plan plan = Plan.of("p", Limit.of(3, Duration.ofHours(1)), Limit.of(100, MINUTE));
        take("a", plan);
        take("a", plan);
        for (int i = 0; i < 5; i++) {
            advance(Duration.ofSeconds(50));
            take("filler-" + i, plan);
        }
        Decision last = take("a", plan);
        assertThat(last.isAllowed()).isTrue();
        assertThat(last.remaining()).as("the hour's budget is remembered").isZero();
        assertThat(take("a", plan).isAllowed()).isFalse();
    }

    @Test
    void aFloodOfDistinctKeysWithinOnePeriodNeverHoldsMoreThanMaxKeys() {
        LocalRateLimiter capped = LocalRateLimiter.builder().maxKeys(10_000).nanoClock(nanos::get).build();
        Plan plan = Plan.of("p", Limit.of(2, Duration.ofHours(1)));
        capped.decide("regular", plan);
        capped.decide("regular", plan);
        int largest = 0;
        for (int i = 0; i < 400_000; i++) {
            capped.decide("flood:" + i, plan);
            if (i % 1_000 == 0) {
                assertThat(capped.decide("regular", plan).isAllowed())
                        .as("a key in use keeps its spent bucket through the flood").isFalse();
            }
            largest = Math.max(largest, capped.size(plan));
        }
        assertThat(largest).isLessThanOrEqualTo(10_000).isGreaterThan(5_000);
    }

    @Test
    void concurrentRequestsOnOneKeyNeverTakeMoreThanTheBudget() throws Exception {
        assertThat(acceptedByEightThreads(Plan.of("p", Limit.of(1_000, Duration.ofHours(1))))).isEqualTo(1_000);
    }

    /** Returns how many of 4,000 decisions on one key, eight threads at once, a new limiter accepts under the plan. */
    static int acceptedByEightThreads(Plan plan) throws Exception {
        LocalRateLimiter real = LocalRateLimiter.create();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Integer>> counts = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                counts.add(pool.submit(() -> {
                    start.await();
                    int allowed = 0;
                    for (int i = 0; i < 500; i++) {
                        allowed += real.decide("shared", plan).isAllowed() ? 1 : 0;
                    }
                    return allowed;
                }));
            }
            start.countDown();
            int total = 0;
            for (Future<Integer> count : counts) {
                total += count.get(60, TimeUnit.SECONDS);
            }
            return total;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void maxKeysBelowTwoIsRefusedAtBuild() {
        assertThatThrownBy(() -> LocalRateLimiter.builder().maxKeys(1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxKeys: 1 (expected: >= 2)");
    }

    /** Bucket4j cannot hold it; refused when made, it cannot fail every request of a running gateway with 503. */
    @Test
    void aLimitOverOnePermitANanosecondIsRefusedWhenMade() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Limit.of(1_000_001, Duration.ofMillis(1)))
                .withMessage("limit: 1000001 permits per PT0.001S (expected: at most one permit a nanosecond)");
        assertThat(Limit.of(1_000_000, Duration.ofMillis(1)).permits()).isEqualTo(1_000_000);
    }
}
