package dev.portico.core.ratelimit;

import dev.portico.core.Gateway;
import dev.portico.core.Http;
import dev.portico.core.RecordingUpstreamClient;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static dev.portico.core.Http.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** Sliding limits in the local limiter, on a clock the test moves: at most the permits in any period, exactly. */
class SlidingLimitTest {

    private static final Duration MINUTE = Duration.ofMinutes(1);

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final LocalRateLimiter limiter = LocalRateLimiter.builder().nanoClock(nanos::get).build();

    private void advance(Duration by) {
        nanos.addAndGet(by.toNanos());
    }

    private Decision take(String key, Plan plan) {
        return limiter.tryAcquire(key, plan).toCompletableFuture().join();
    }

    /** Sends {@code count} requests at once and returns how many were accepted. */
    private int burst(String key, Plan plan, int count) {
        int accepted = 0;
        for (int i = 0; i < count; i++) {
            accepted += take(key, plan).isAllowed() ? 1 : 0;
        }
        return accepted;
    }

    /** The probe's scenario: 1 request, 57 s later 5, 4.5 s later 5 more; the last 10 span 4.5 s. */
    private int acceptedAcrossTheBoundary(Limit limit) {
        Plan plan = Plan.of("p", limit);
        int first = burst("a", plan, 1);
        advance(Duration.ofSeconds(57));
        int beforeBoundary = burst("a", plan, 5);
        advance(Duration.ofMillis(4_500));
        int afterBoundary = burst("a", plan, 5);
        assertThat(first).isEqualTo(1);
        return beforeBoundary + afterBoundary;
    }

    @Test
    void aSlidingLimitAcceptsAtMostItsPermitsWithinAPeriodAcrossWhatWasTheRenewal() {
        assertThat(acceptedAcrossTheBoundary(Limit.of(5, MINUTE).sliding()))
                .as("4 before 60 s, and after it only the permit of the first request, a minute old")
                .isEqualTo(5);
    }

    /** The defect a sliding limit exists for: a bucket renewed whole lets nearly twice its permits through. */
    @Test
    void aWholeLimitLetsNearlyTwiceItsPermitsThroughAcrossARenewal() {
        assertThat(acceptedAcrossTheBoundary(Limit.of(5, MINUTE))).isEqualTo(9);
    }

    @Test
    void aPermitComesBackExactlyAPeriodAfterTheRequestThatTookIt() {
        Plan plan = Plan.of("p", Limit.of(3, MINUTE).sliding());
        Decision first = take("a", plan);
        advance(Duration.ofSeconds(20));
        Decision second = take("a", plan);
        advance(Duration.ofSeconds(20));
        Decision third = take("a", plan);
        Decision refused = take("a", plan);

        assertThat(first.remaining()).isEqualTo(2);
        assertThat(first.reset()).isEqualTo(MINUTE);
        assertThat(second.remaining()).isEqualTo(1);
        assertThat(third.remaining()).isZero();
        assertThat(third.reset()).as("whole again a period after the latest").isEqualTo(MINUTE);
        assertThat(refused.isAllowed()).isFalse();
        assertThat(refused.limit()).isEqualTo(Limit.of(3, MINUTE).sliding());
        assertThat(refused.retryAfter()).as("a period after the oldest").isEqualTo(Duration.ofSeconds(20));
        assertThat(refused.reset()).isEqualTo(MINUTE);

        advance(Duration.ofSeconds(20).minusNanos(1_000));
        assertThat(take("a", plan).isAllowed()).as("a microsecond early").isFalse();
        advance(Duration.ofNanos(1_000));
        Decision back = take("a", plan);
        assertThat(back.isAllowed()).isTrue();
        assertThat(back.remaining()).isZero();
        assertThat(take("a", plan).retryAfter()).as("the second request's permit next").isEqualTo(Duration.ofSeconds(20));

        advance(MINUTE);
        Decision whole = take("a", plan);
        assertThat(whole.remaining()).as("every request a minute old: the budget whole again").isEqualTo(2);
    }

    @Test
    void aBusyKeyKeepsExactCountsOverMillionsOfPeriods() {
        Plan plan = Plan.of("p", Limit.of(3, Duration.ofSeconds(1)).sliding());
        List<Integer> pattern = new ArrayList<>();
        for (int step = 0; step < 30_000; step++) {   // 3.3 hours of requests 0.4 s apart: the log is never empty
            pattern.add(burst("a", plan, 2));
            advance(Duration.ofMillis(400));
        }
        for (int step = 0; step < pattern.size(); step++) {
            assertThat(pattern.get(step)).as("step %d", step).isEqualTo(List.of(2, 1, 0).get(step % 3));
        }
    }

    @Test
    void aPlanMixingASlidingAndABucketLimitReportsTheBindingOneAndWaitsForBoth() {
        Limit perMinute = Limit.of(4, MINUTE).sliding();
        Limit perSecond = Limit.of(2, Duration.ofSeconds(1)).smooth();
        Plan plan = Plan.of("p", perMinute, perSecond);

        assertThat(take("a", plan).limit()).as("1 left a second, 3 a minute").isEqualTo(perSecond);
        take("a", plan);
        Decision burst = take("a", plan);
        assertThat(burst.isAllowed()).isFalse();
        assertThat(burst.limit()).isEqualTo(perSecond);
        assertThat(burst.retryAfter()).isEqualTo(Duration.ofMillis(500));

        advance(Duration.ofSeconds(1));
        Decision third = take("a", plan);
        Decision fourth = take("a", plan);
        assertThat(third.remaining()).as("the refused request took no permit of the minute").isEqualTo(1);
        assertThat(fourth.limit()).as("none left under either: the one whole again later binds").isEqualTo(perMinute);
        assertThat(fourth.remaining()).isZero();
        assertThat(fourth.reset()).isEqualTo(MINUTE);

        advance(Duration.ofSeconds(1));
        Decision refused = take("a", plan);
        assertThat(refused.isAllowed()).isFalse();
        assertThat(refused.limit()).isEqualTo(perMinute);
        assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(58));

        advance(Duration.ofSeconds(58));
        assertThat(take("a", plan).isAllowed()).isTrue();
        assertThat(take("a", plan).isAllowed()).isTrue();
        Decision both = take("a", plan);
        assertThat(both.isAllowed()).isFalse();
        assertThat(both.retryAfter()).as("the minute's next permit at 61 s, after the second's at 60.5 s")
                .isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aRequestRefusedBySlidingLimitTakesNoPermitFromTheBucketAndTheOtherWayRound() {
        Limit perMinute = Limit.of(1, MINUTE).sliding();
        Limit perHour = Limit.of(3, Duration.ofHours(1));
        Plan plan = Plan.of("p", perMinute, perHour);

        assertThat(take("a", plan).isAllowed()).isTrue();
        assertThat(burst("a", plan, 5)).as("refused by the minute").isZero();
        advance(MINUTE);
        assertThat(take("a", plan).isAllowed()).isTrue();
        advance(MINUTE);
        Decision third = take("a", plan);
        assertThat(third.isAllowed()).as("the hour still had a permit: the refusals took none").isTrue();

        advance(MINUTE);
        Decision refused = take("a", plan);
        assertThat(refused.isAllowed()).isFalse();
        assertThat(refused.limit()).isEqualTo(perHour);
        assertThat(refused.retryAfter()).isEqualTo(Duration.ofMinutes(57));
        assertThat(take("b", plan).isAllowed()).isTrue();
        advance(Duration.ofMinutes(57));
        assertThat(take("a", plan).isAllowed()).as("the refusal by the hour left the minute's permit").isTrue();
    }

    @Test
    void theFilterReportsTheWindowInItsHeaders() {
        Upstream app = Upstream.of("app", "http://10.0.0.7:8080");
        Gateway gateway = Gateway.builder().route(Route.get("/api/**")
                .filter(RateLimit.by(RateLimitKey.clientIp()).limit(Limit.of(2, MINUTE).sliding())
                        .limiter(limiter).name("api").build())
                .to(app)).build();
        RecordingUpstreamClient upstream = new RecordingUpstreamClient();

        Response first = Http.send(gateway, Http.get("/api/a"), upstream);
        advance(Duration.ofMillis(40_500));
        Response second = Http.send(gateway, Http.get("/api/a"), upstream);
        advance(Duration.ofMillis(10_200));
        Response refused = Http.send(gateway, Http.get("/api/a"), upstream);

        assertThat(first.header("X-RateLimit-Limit")).isEqualTo("2");
        assertThat(first.header("X-RateLimit-Remaining")).isEqualTo("1");
        assertThat(first.header("X-RateLimit-Reset")).isEqualTo("60");
        assertThat(second.header("X-RateLimit-Remaining")).isEqualTo("0");
        assertError(refused, 429, "too_many_requests");
        assertThat(refused.header("X-RateLimit-Remaining")).isEqualTo("0");
        assertThat(refused.header("Retry-After")).as("9.3 s: 60 s after the first, rounded up").isEqualTo("10");
        assertThat(refused.header("X-RateLimit-Reset")).as("49.8 s: 60 s after the second").isEqualTo("50");
        assertThat(upstream.callCount()).isEqualTo(2);
    }

    @Test
    void concurrentRequestsNeverGetMoreThanThePermitsIntoAnyPeriod() throws Exception {
        Duration period = Duration.ofMillis(50);
        int permits = 20;
        AtomicLong ticking = new AtomicLong();
        ThreadLocal<Long> lastRead = new ThreadLocal<>();
        LocalRateLimiter real = LocalRateLimiter.builder().nanoClock(() -> {
            long now = ticking.addAndGet(10_000);  // every reading 10 µs after the last, on whichever thread
            lastRead.set(now);
            return now;
        }).build();
        Plan plan = Plan.of("p", Limit.of(permits, period).sliding());
        List<Long> accepted = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 5_000; i++) {
                        if (real.decide("shared", plan).isAllowed()) {
                            accepted.add(lastRead.get()); // the time the decision read, under the key's lock
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> thread : done) {
                thread.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        List<Long> times = new ArrayList<>(accepted);
        Collections.sort(times);
        long span = times.get(times.size() - 1) - times.get(0);
        assertThat(times).hasSizeGreaterThan(permits * (int) (span / period.toNanos()) / 2);
        for (int i = permits; i < times.size(); i++) {
            assertThat(times.get(i) - times.get(i - permits))
                    .as("accepted request %d and the one %d before it", i, permits)
                    .isGreaterThanOrEqualTo(period.toNanos());
        }
    }

    @Test
    void concurrentRequestsOnOneKeyTakeExactlyThePermits() throws Exception {
        Plan plan = Plan.of("p", Limit.of(1_000, Duration.ofHours(1)).sliding(), Limit.of(5_000, MINUTE));

        assertThat(LocalRateLimiterTest.acceptedByEightThreads(plan)).isEqualTo(1_000);
    }

    @Test
    void anIdleKeyIsDroppedAndComesBackWhole() {
        Plan plan = Plan.of("p", Limit.of(2, MINUTE).sliding());
        take("idle", plan);
        take("idle", plan);
        assertThat(take("idle", plan).isAllowed()).isFalse();
        advance(MINUTE);
        take("other", plan);
        advance(MINUTE);
        take("other", plan);

        assertThat(limiter.size(plan)).as("two rotations later only the key in use is held").isEqualTo(2);
        assertThat(take("idle", plan).remaining()).isEqualTo(1);
    }

    @Test
    void aSlidingLimitIsAValueOfItsOwn() {
        Limit sliding = Limit.of(5, MINUTE).sliding();

        assertThat(sliding.isSliding()).isTrue();
        assertThat(sliding.isSmooth()).isFalse();
        assertThat(sliding).isEqualTo(Limit.of(5, MINUTE).smooth().sliding()).isNotEqualTo(Limit.of(5, MINUTE))
                .hasToString("5/PT1M sliding");
        assertThat(sliding.smooth().isSliding()).isFalse();
        assertThat(Limit.of(5, MINUTE).isSliding()).isFalse();
        assertThat(Limit.of(1_000_000, Duration.ofHours(1)).sliding().permits()).isEqualTo(1_000_000);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Limit.of(1_000_001, Duration.ofHours(1)).sliding())
                .withMessage("sliding limit: 1000001 permits (expected: at most 1000000, each remembered for a period)");
    }
}
