package dev.portico.redis;

import dev.portico.core.ratelimit.Decision;
import dev.portico.core.ratelimit.Limit;
import dev.portico.core.ratelimit.LocalRateLimiter;
import dev.portico.core.ratelimit.Plan;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;

/** Sliding limits against a real redis-server, on its clock: at most the permits in any period, across gateways. */
class RedisSlidingLimitTest {

    private static RedisServer redis;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        redis.close();
    }

    @AfterEach
    void closeLimiters() throws Exception {
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
    }

    /**
     * The probe's scenario on a 3-second period: 1 request, 2 s later 5, 3.2 s after the first 5 more; the last 10
     * span about 1.2 s, within one period.
     */
    private int acceptedAcrossTheBoundary(Limit limit, String key) throws Exception {
        RedisRateLimiter limiter = exact();
        Plan plan = Plan.of("boundary", limit);
        long start = System.nanoTime();
        assertThat(acquire(limiter, key, plan).isAllowed()).isTrue();
        sleepUntil(start, Duration.ofSeconds(2));
        int beforeBoundary = burst(limiter, key, plan, 5);
        sleepUntil(start, Duration.ofMillis(3_200));
        return beforeBoundary + burst(limiter, key, plan, 5);
    }

    @Test
    void aSlidingLimitAcceptsAtMostItsPermitsWithinAPeriodAcrossWhatWasTheRenewal() throws Exception {
        assertThat(acceptedAcrossTheBoundary(Limit.of(5, Duration.ofSeconds(3)).sliding(), "sliding-boundary"))
                .as("4 before the period ends, then only the first request's permit").isEqualTo(5);
    }

    /** The defect a sliding limit exists for, in Redis too: a bucket renewed whole lets nearly twice through. */
    @Test
    void aWholeLimitLetsNearlyTwiceItsPermitsThroughAcrossARenewal() throws Exception {
        assertThat(acceptedAcrossTheBoundary(Limit.of(5, Duration.ofSeconds(3)), "whole-boundary")).isEqualTo(9);
    }

    @Test
    void decisionsCountDownAndTellWhenTheOldestAndTheNewestRequestsAreAPeriodOld() throws Exception {
        RedisRateLimiter limiter = exact();
        Limit limit = Limit.of(3, Duration.ofSeconds(10)).sliding();
        Plan plan = Plan.of("values", limit);

        Decision first = acquire(limiter, "client-1", plan);
        Thread.sleep(1_000);
        Decision second = acquire(limiter, "client-1", plan);
        Decision third = acquire(limiter, "client-1", plan);
        Decision refused = acquire(limiter, "client-1", plan);

        assertThat(List.of(first, second, third)).extracting(Decision::remaining).containsExactly(2L, 1L, 0L);
        assertThat(List.of(first, second, third)).allSatisfy(d -> assertThat(d.reset())
                .isBetween(Duration.ofSeconds(9), Duration.ofSeconds(10)));
        assertThat(refused.isAllowed()).isFalse();
        assertThat(refused.limit()).isEqualTo(limit);
        assertThat(refused.retryAfter()).as("10 s after the first").isBetween(Duration.ofSeconds(7), Duration.ofSeconds(9));
        assertThat(refused.reset()).as("10 s after the third").isBetween(Duration.ofSeconds(8), Duration.ofSeconds(10));
        assertThat(acquire(limiter, "client-2", plan).remaining()).isEqualTo(2);
    }

    @Test
    void aPlanMixingASlidingAndABucketLimitTakesFromBothOrNeither() throws Exception {
        RedisRateLimiter limiter = exact();
        Limit perSecond = Limit.of(1, Duration.ofSeconds(2)).sliding();
        Limit perHour = Limit.of(2, Duration.ofHours(1));
        Plan plan = Plan.of("mixed", perSecond, perHour);

        assertThat(acquire(limiter, "client-3", plan).isAllowed()).isTrue();
        Decision bySecond = acquire(limiter, "client-3", plan);
        assertThat(burst(limiter, "client-3", plan, 3)).isZero();
        assertThat(bySecond.limit()).isEqualTo(perSecond);
        assertThat(bySecond.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(2));

        Thread.sleep(2_100);
        Decision second = acquire(limiter, "client-3", plan);
        assertThat(second.isAllowed()).as("the refusals took no permit of the hour").isTrue();
        assertThat(second.remaining()).isZero();
        Thread.sleep(2_100);
        Decision byHour = acquire(limiter, "client-3", plan);
        assertThat(byHour.isAllowed()).isFalse();
        assertThat(byHour.limit()).isEqualTo(perHour);
        assertThat(byHour.retryAfter()).isGreaterThan(Duration.ofMinutes(59));

        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            String window = "portico:rl:mixed@*/0:client-3";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1); // it would expire after 2
            while (!connection.sync().keys(window).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(connection.sync().keys(window)).as("the refused request's time is forgotten").isEmpty();
        } finally {
            client.shutdown();
        }
    }

    @Test
    void manyConcurrentCallersOnTwoGatewaysGetExactlyThePermits() throws Exception {
        RedisRateLimiter first = exact();
        RedisRateLimiter second = exact();
        Plan plan = Plan.of("concurrent", Limit.of(50, Duration.ofMinutes(1)).sliding());
        List<Decision> decisions = concurrently(300, i -> i % 2 == 0 ? first : second, "client-4", plan);

        assertThat(decisions).filteredOn(Decision::isAllowed).hasSize(50)
                .extracting(Decision::remaining).containsExactlyInAnyOrderElementsOf(range(0, 50));
        assertThat(decisions).filteredOn(d -> !d.isAllowed()).hasSize(250)
                .allSatisfy(d -> assertThat(d.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1)));
    }

    @Test
    void eachLimitIsASortedSetThatExpiresAfterItsPeriod() throws Exception {
        RedisRateLimiter limiter = track(RedisRateLimiter.builder(redis.uri()).keyPrefix("test-sliding:")
                .timeout(Duration.ofSeconds(10)).failClosed().build());
        acquire(limiter, "203.0.113.9", Plan.of("per:second", Limit.of(5, Duration.ofMillis(1_500)).sliding()));

        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            List<String> keys = connection.sync().keys("test-sliding:per*");
            assertThat(keys).singleElement().asString()
                    .matches("test-sliding:per%3Asecond@[0-9a-f]{8}/0:203\\.0\\.113\\.9");
            assertThat(connection.sync().type(keys.get(0))).isEqualTo("zset");
            assertThat(connection.sync().pttl(keys.get(0))).isPositive().isLessThanOrEqualTo(1_500);

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (connection.sync().exists(keys.get(0)) == 1 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(connection.sync().exists(keys.get(0))).as("the idle window expired").isZero();
        } finally {
            client.shutdown();
        }
    }

    @Test
    void aRedisThatLostTheScriptIsSentItAgain() throws Exception {
        RedisRateLimiter limiter = exact();
        Plan plan = Plan.of("flushed", Limit.of(2, Duration.ofMinutes(1)).sliding());
        assertThat(acquire(limiter, "client-5", plan).remaining()).isEqualTo(1);

        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.sync().scriptFlush();
        } finally {
            client.shutdown();
        }

        Decision after = acquire(limiter, "client-5", plan);
        assertThat(after.isAllowed()).isTrue();
        assertThat(after.remaining()).isZero();
    }

    @Test
    void whileRedisIsDownTheLocalFallbackCountsTheSlidingLimit() throws Exception {
        try (RedisServer own = RedisServer.start()) {
            RedisRateLimiter limiter = track(RedisRateLimiter.builder(own.uri())
                    .failOpen(LocalRateLimiter.create()).build());
            Plan plan = Plan.of("fallback", Limit.of(2, Duration.ofMinutes(1)).sliding());
            own.stop();

            assertThat(List.of(acquire(limiter, "client-6", plan), acquire(limiter, "client-6", plan),
                    acquire(limiter, "client-6", plan)))
                    .extracting(Decision::isAllowed).containsExactly(true, true, false);
            assertThat(acquire(limiter, "client-6", plan).retryAfter())
                    .isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1));
        }
    }

    /** A limiter that waits long enough for any contention, and fails closed so that no failure looks allowed. */
    private RedisRateLimiter exact() {
        return track(RedisRateLimiter.builder(redis.uri()).timeout(Duration.ofSeconds(10)).failClosed().build());
    }

    private RedisRateLimiter track(RedisRateLimiter limiter) {
        closeables.add(limiter);
        return limiter;
    }

    private static Decision acquire(RedisRateLimiter limiter, String key, Plan plan) throws Exception {
        return limiter.tryAcquire(key, plan).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static int burst(RedisRateLimiter limiter, String key, Plan plan, int count) throws Exception {
        int accepted = 0;
        for (int i = 0; i < count; i++) {
            accepted += acquire(limiter, key, plan).isAllowed() ? 1 : 0;
        }
        return accepted;
    }

    private static void sleepUntil(long start, Duration after) throws InterruptedException {
        long left = start + after.toNanos() - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    /** Runs {@code calls} acquisitions from 8 threads released at once; call {@code i} goes to {@code limiter(i)}. */
    private static List<Decision> concurrently(int calls, IntFunction<RedisRateLimiter> limiter, String key, Plan plan)
            throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Decision>> results = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                int call = i;
                results.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return limiter.apply(call).tryAcquire(key, plan);
                }, threads).thenCompose(stage -> stage));
            }
            go.countDown();
            CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            return results.stream().map(CompletableFuture::join).toList();
        } finally {
            threads.shutdownNow();
        }
    }

    private static List<Long> range(long from, long to) {
        List<Long> values = new ArrayList<>();
        for (long v = from; v < to; v++) {
            values.add(v);
        }
        return values;
    }
}
