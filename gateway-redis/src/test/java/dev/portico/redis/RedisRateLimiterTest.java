package dev.portico.redis;

import dev.portico.core.ratelimit.Decision;
import dev.portico.core.ratelimit.Limit;
import dev.portico.core.ratelimit.Plan;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The limiter against a real redis-server: exact counts under concurrency and across nodes, keys and their expiry. */
class RedisRateLimiterTest {

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

    @Test
    void enforcesTheLimitExactlyUnderManyConcurrentCallers() throws Exception {
        RedisRateLimiter limiter = exact();
        Plan plan = Plan.of("concurrent", Limit.of(50, Duration.ofMinutes(1)));
        List<Decision> decisions = concurrently(200, i -> limiter, "client-1", plan);

        assertThat(decisions).filteredOn(Decision::isAllowed).hasSize(50)
                .extracting(Decision::remaining).containsExactlyInAnyOrderElementsOf(range(0, 50));
        assertThat(decisions).filteredOn(d -> !d.isAllowed()).hasSize(150)
                .allSatisfy(d -> assertThat(d.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1)));
        assertThat(decisions).allSatisfy(d -> assertThat(d.isMetered()).isTrue());
    }

    @Test
    void twoGatewaysSharingOneRedisEnforceTheCombinedLimitExactly() throws Exception {
        RedisRateLimiter first = exact();
        RedisRateLimiter second = exact();
        Plan plan = Plan.of("shared", Limit.of(40, Duration.ofMinutes(1)));
        List<Decision> decisions = concurrently(160, i -> i % 2 == 0 ? first : second, "client-2", plan);

        assertThat(decisions).filteredOn(Decision::isAllowed).hasSize(40)
                .extracting(Decision::remaining).containsExactlyInAnyOrderElementsOf(range(0, 40));
        assertThat(first.tryAcquire("client-2", plan).toCompletableFuture().get(10, TimeUnit.SECONDS).isAllowed())
                .isFalse();
        assertThat(second.tryAcquire("client-2", plan).toCompletableFuture().get(10, TimeUnit.SECONDS).isAllowed())
                .isFalse();
    }

    /**
     * Without batching, each acquisition costs Redis at least a read and a compare-and-swap, and more under contention
     * on one key; batching merges the acquisitions waiting on one key into one round trip.
     */
    @Test
    void aHotKeyFromManyConcurrentCallersTakesFewerRedisCommandsThanAcquisitions() throws Exception {
        RedisRateLimiter limiter = exact();
        Plan plan = Plan.of("hot", Limit.of(100, Duration.ofMinutes(1)));
        RedisClient client = RedisClient.create(redis.uri());
        try (var connection = client.connect()) {
            connection.sync().configResetstat();

            List<Decision> decisions = concurrently(400, i -> limiter, "hot-client", plan);

            assertThat(decisions).filteredOn(Decision::isAllowed).hasSize(100);
            assertThat(commandCalls(connection.sync().info("commandstats"))).isLessThan(400);
        } finally {
            client.shutdown();
        }
    }

    /** Sums the calls of every command in {@code INFO commandstats} but the statistics' own. */
    private static long commandCalls(String commandStats) {
        long calls = 0;
        for (String line : commandStats.split("\r?\n")) {
            if (line.startsWith("cmdstat_") && !line.startsWith("cmdstat_config") && !line.startsWith("cmdstat_info")) {
                int start = line.indexOf("calls=") + "calls=".length();
                calls += Long.parseLong(line.substring(start, line.indexOf(',', start)));
            }
        }
        return calls;
    }

    @Test
    void decisionsCountDownAndNameTheLimitWithFewestPermitsLeft() throws Exception {
        RedisRateLimiter limiter = exact();
        Limit hourly = Limit.of(10, Duration.ofHours(1));
        Limit perMinute = Limit.of(3, Duration.ofMinutes(1));
        Plan plan = Plan.of("two-limits", hourly, perMinute);

        for (long left = 2; left >= 0; left--) {
            Decision decision = acquire(limiter, "client-3", plan);
            assertThat(decision.isAllowed()).isTrue();
            assertThat(decision.limit()).isEqualTo(perMinute);
            assertThat(decision.remaining()).isEqualTo(left);
            assertThat(decision.reset()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1));
        }
        Decision refused = acquire(limiter, "client-3", plan);
        assertThat(refused.isAllowed()).isFalse();
        assertThat(refused.limit()).isEqualTo(perMinute);
        assertThat(refused.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1));
        assertThat(acquire(limiter, "client-4", plan).remaining()).isEqualTo(2);
    }

    @Test
    void smoothLimitGivesOnePermitBackAtATime() throws Exception {
        RedisRateLimiter limiter = exact();
        Plan plan = Plan.of("smooth", Limit.of(2, Duration.ofSeconds(1)).smooth());
        assertThat(acquire(limiter, "client-5", plan).isAllowed()).isTrue();
        assertThat(acquire(limiter, "client-5", plan).isAllowed()).isTrue();
        Decision refused = acquire(limiter, "client-5", plan);

        assertThat(refused.isAllowed()).isFalse();
        assertThat(refused.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMillis(500));
        Thread.sleep(refused.retryAfter().toMillis() + 50);
        assertThat(acquire(limiter, "client-5", plan).isAllowed()).isTrue();
    }

    @Test
    void planNameIsPartOfTheBucket() throws Exception {
        RedisRateLimiter limiter = exact();
        Limit one = Limit.of(1, Duration.ofMinutes(1));
        assertThat(acquire(limiter, "client-6", Plan.of("free", one)).isAllowed()).isTrue();
        assertThat(acquire(limiter, "client-6", Plan.of("free", one)).isAllowed()).isFalse();

        assertThat(acquire(limiter, "client-6", Plan.of("gold", one)).isAllowed()).isTrue();
        assertThat(acquire(limiter, "client-6", Plan.of("free", Limit.of(2, Duration.ofMinutes(1)))).isAllowed())
                .as("a plan whose limits changed starts afresh").isTrue();
    }

    @Test
    void keysArePrefixedAndExpireOnceTheBucketWouldBeFullAgain() throws Exception {
        RedisRateLimiter limiter = track(RedisRateLimiter.builder(redis.uri())
                .keyPrefix("test-expiry:")
                .idleExpiry(Duration.ofMillis(500))
                .timeout(Duration.ofSeconds(10))
                .failClosed()
                .build());
        acquire(limiter, "203.0.113.9", Plan.of("per:second", Limit.of(5, Duration.ofSeconds(2))));

        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            List<String> keys = connection.sync().keys("test-expiry:per*");
            assertThat(keys).singleElement().asString()
                    .matches("test-expiry:per%3Asecond@[0-9a-f]{8}:203\\.0\\.113\\.9");
            assertThat(connection.sync().keys("*")).as("every key is prefixed, the build's warm-up key too")
                    .contains("test-expiry:warm-up")
                    .allSatisfy(k -> assertThat(k).matches("(portico:rl:|test-[a-z]+:).+"));
            long ttl = connection.sync().pttl(keys.get(0));
            assertThat(ttl).isPositive().isLessThanOrEqualTo(2_500);

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (connection.sync().exists(keys.get(0)) == 1 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(connection.sync().exists(keys.get(0))).as("the idle bucket expired").isZero();
        } finally {
            client.shutdown();
        }
    }

    @Test
    void aLongKeyIsStoredAsItsDigest() throws Exception {
        RedisRateLimiter limiter = track(RedisRateLimiter.builder(redis.uri()).keyPrefix("test-long:")
                .timeout(Duration.ofSeconds(10)).failClosed().build());
        Plan plan = Plan.of("long", Limit.of(1, Duration.ofMinutes(1)));
        String longKey = "k".repeat(4_000);
        assertThat(acquire(limiter, longKey, plan).isAllowed()).isTrue();
        assertThat(acquire(limiter, longKey, plan).isAllowed()).as("still one bucket per key").isFalse();
        assertThat(acquire(limiter, longKey + "x", plan).isAllowed()).isTrue();

        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            assertThat(connection.sync().keys("test-long:long@*")).hasSize(2)
                    .allSatisfy(key -> assertThat(key).hasSizeLessThan(80));
        } finally {
            client.shutdown();
        }
    }

    @Test
    void aUriThatCannotBeReadIsNeverRepeated() {
        assertThatThrownBy(() -> RedisRateLimiter.builder("redis://:s3cret@redis host:6379"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("uri: not a Redis URI")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void buildFailsFastWithTheAddressWhenRedisCannotBeReached() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        long start = System.nanoTime();
        assertThatThrownBy(() -> RedisRateLimiter.builder("redis://127.0.0.1:" + closedPort).failOpen().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot connect to Redis at redis://127.0.0.1:" + closedPort);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void buildRequiresAFailurePolicy() {
        assertThatThrownBy(() -> RedisRateLimiter.builder(redis.uri()).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("a failure policy is required: failOpen(), failOpen(fallback) or failClosed()");
        assertThatThrownBy(() -> RedisRateLimiter.builder(redis.uri()).timeout(Duration.ZERO))
                .hasMessage("timeout: PT0S (expected: > 0)");
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

    /** Runs {@code calls} acquisitions from 8 threads released at once; call {@code i} goes to {@code limiter(i)}. */
    private static List<Decision> concurrently(int calls, java.util.function.IntFunction<RedisRateLimiter> limiter,
            String key, Plan plan) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Decision>> results = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                int call = i;
                results.add(CompletableFuture.supplyAsync(() -> {
                    awaitQuietly(go);
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

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
