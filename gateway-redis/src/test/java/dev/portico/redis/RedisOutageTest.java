package dev.portico.redis;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.portico.core.GatewayException;
import dev.portico.core.ratelimit.Decision;
import dev.portico.core.ratelimit.Limit;
import dev.portico.core.ratelimit.Plan;
import dev.portico.core.ratelimit.RateLimiter;
import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis stopped, frozen and started again under a limiter: each failure policy, the bound on every call, and
 * recovery without a restart.
 */
class RedisOutageTest {

    /** Far above the 50 ms bound, far below Lettuce's default 60 s command timeout. */
    private static final Duration BOUND = Duration.ofSeconds(1);
    private static final Plan PLAN = Plan.of("outage", Limit.of(2, Duration.ofMinutes(1)));

    private RedisServer redis;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void startRedis() throws Exception {
        redis = RedisServer.start();
    }

    @AfterEach
    void stopRedis() throws Exception {
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
        redis.close();
    }

    @Test
    void failOpenAllowsUnmeteredWithinTheBoundWhileRedisIsDown() throws Exception {
        RedisRateLimiter limiter = track(RedisRateLimiter.builder(redis.uri()).failOpen().build());
        assertThat(awaitMetered(limiter, "a").isAllowed()).isTrue();

        redis.stop();
        for (int i = 0; i < 5; i++) {
            Decision decision = timed(limiter, "a");
            assertThat(decision.isAllowed()).isTrue();
            assertThat(decision.isMetered()).isFalse();
            assertThat(decision.limit()).isEqualTo(PLAN.limits().get(0));
        }
    }

    @Test
    void failOpenWithAFallbackAsksTheFallbackWhileRedisIsDown() throws Exception {
        RateLimiter fallback = new FirstOnly();
        RedisRateLimiter limiter = track(RedisRateLimiter.builder(redis.uri()).failOpen(fallback).build());
        assertThat(awaitMetered(limiter, "b").remaining()).isNotEqualTo(FirstOnly.MARK);

        redis.stop();
        Decision first = timed(limiter, "b");
        assertThat(first.isAllowed()).isTrue();
        assertThat(first.isMetered()).isTrue();
        assertThat(first.remaining()).as("the fallback's own count").isEqualTo(FirstOnly.MARK);
        for (int i = 0; i < 3; i++) {
            assertThat(timed(limiter, "b").isAllowed()).isFalse();
        }
    }

    @Test
    void failClosedRefusesWith503JsonWhileRedisIsDown() throws Exception {
        RedisRateLimiter limiter = track(RedisRateLimiter.builder(redis.uri()).failClosed().build());
        assertThat(awaitMetered(limiter, "c").isAllowed()).isTrue();

        redis.stop();
        for (int i = 0; i < 5; i++) {
            GatewayException refused = timedFailure(limiter, "c");
            assertThat(refused.status()).isEqualTo(503);
            JsonObject body = JsonParser.parseString(refused.toResponse().body().text(1024)
                    .toCompletableFuture().get(5, TimeUnit.SECONDS)).getAsJsonObject();
            assertThat(body.keySet()).containsExactlyInAnyOrder("error", "message");
            assertThat(body.get("error").getAsString()).isEqualTo("rate_limiter_unavailable");
            assertThat(body.get("message").getAsString()).doesNotContain("Redis", "Exception", "127.0.0.1");
        }
    }

    @Test
    void aFrozenRedisNeverHoldsACallBeyondTheTimeout() throws Exception {
        RedisRateLimiter limiter = track(RedisRateLimiter.builder(redis.uri()).failClosed().build());
        assertThat(awaitMetered(limiter, "d").isAllowed()).isTrue();

        redis.freeze();
        for (int i = 0; i < 5; i++) {
            assertThat(timedFailure(limiter, "d").error()).isEqualTo("rate_limiter_unavailable");
        }
        redis.thaw();
        assertThat(awaitMetered(limiter, "d2").isAllowed()).isTrue();
    }

    @Test
    void theTimeoutHoldsEvenOnAClientWithLettuceDefaults() throws Exception {
        RedisClient client = RedisClient.create(redis.uri());
        closeables.add(client::shutdown);
        RedisRateLimiter limiter = track(RedisRateLimiter.builder(client).failOpen().build());
        assertThat(awaitMetered(limiter, "e").isAllowed()).isTrue();

        redis.freeze();
        for (int i = 0; i < 3; i++) {
            assertThat(timed(limiter, "e").isMetered()).isFalse();
        }
        redis.thaw();
        assertThat(awaitMetered(limiter, "e2").isAllowed()).isTrue();
    }

    @Test
    void limitsWorkAgainAfterRedisRestartsWithoutRestartingTheLimiter() throws Exception {
        RedisRateLimiter limiter = track(RedisRateLimiter.builder(redis.uri()).failClosed().build());
        spend(limiter, "f");

        redis.stop();
        assertThat(timedFailure(limiter, "f").status()).isEqualTo(503);
        redis.restart();

        assertThat(awaitMetered(limiter, "f").isAllowed()).as("the restarted Redis starts with a full bucket")
                .isTrue();
        assertThat(spend(limiter, "f").retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void anOutageIsLoggedOnceNotOnEveryCallAndItsEndIsLogged() throws Exception {
        Logger logger = Logger.getLogger(RedisRateLimiter.class.getName());
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(handler);
        try {
            RedisRateLimiter limiter = track(RedisRateLimiter.builder(redis.uri()).failOpen().build());
            assertThat(awaitMetered(limiter, "g").isMetered()).isTrue();
            redis.stop();
            for (int i = 0; i < 50; i++) {
                assertThat(timed(limiter, "g").isMetered()).isFalse();
            }
            redis.restart();
            awaitMetered(limiter, "g");

            assertThat(records).filteredOn(r -> r.getLevel() == Level.WARNING)
                    .as("one warning for the outage, another at most once every 10 s").hasSizeBetween(1, 2);
            assertThat(records).filteredOn(r -> r.getLevel() == Level.INFO).singleElement()
                    .satisfies(r -> assertThat(r.getMessage()).contains("Redis answers again"));
        } finally {
            logger.removeHandler(handler);
        }
    }

    private RedisRateLimiter track(RedisRateLimiter limiter) {
        closeables.add(limiter);
        return limiter;
    }

    /** Returns the decision for {@code key}, asserting that it came within {@link #BOUND}. */
    private static Decision timed(RateLimiter limiter, String key) throws Exception {
        long start = System.nanoTime();
        CompletableFuture<Decision> call = limiter.tryAcquire(key, PLAN).toCompletableFuture();
        Decision decision = call.get(30, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(BOUND);
        return decision;
    }

    /** Returns the error a failing call completed with, asserting that it came within {@link #BOUND}. */
    private static GatewayException timedFailure(RateLimiter limiter, String key) throws Exception {
        long start = System.nanoTime();
        CompletableFuture<Decision> call = limiter.tryAcquire(key, PLAN).toCompletableFuture();
        Throwable failure = call.handle((decision, error) -> error).get(30, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(BOUND);
        if (failure instanceof CompletionException) {
            failure = failure.getCause();
        }
        assertThat(failure).isInstanceOf(GatewayException.class);
        return (GatewayException) failure;
    }

    /**
     * Calls until Redis counts again (a metered, successful call), up to 15 s; on a loaded machine a call may miss
     * the 50 ms timeout now and then, so tests that need Redis's answer wait for it this way.
     */
    private static Decision awaitMetered(RateLimiter limiter, String key) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            Decision decision = limiter.tryAcquire(key, PLAN).toCompletableFuture()
                    .handle((d, error) -> d).get(30, TimeUnit.SECONDS);
            if (decision != null && decision.isMetered()) {
                return decision;
            }
            assertThat(System.nanoTime()).as("Redis counts again within 15 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** Takes permits until Redis refuses one, which takes at most the plan's two, and returns the refusal. */
    private static Decision spend(RateLimiter limiter, String key) throws Exception {
        for (int i = 0; i <= 2; i++) {
            Decision decision = awaitMetered(limiter, key);
            if (!decision.isAllowed()) {
                return decision;
            }
        }
        throw new AssertionError("Redis allowed more than the plan's 2 permits");
    }

    /** A local stand-in: allows each key's first request, marking it, and refuses the rest. */
    private static final class FirstOnly implements RateLimiter {

        static final long MARK = 42;
        private final ConcurrentHashMap<String, AtomicLong> seen = new ConcurrentHashMap<>();

        @Override
        public CompletableFuture<Decision> tryAcquire(String key, Plan plan) {
            Limit limit = plan.limits().get(0);
            boolean first = seen.computeIfAbsent(key, k -> new AtomicLong()).getAndIncrement() == 0;
            return CompletableFuture.completedFuture(first
                    ? Decision.allowed(limit, MARK, Duration.ofSeconds(1))
                    : Decision.refused(limit, Duration.ofSeconds(1), Duration.ofSeconds(1)));
        }
    }
}
