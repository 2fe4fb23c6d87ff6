package dev.portico.examples.mobile;

import dev.portico.core.TimeSource;
import dev.portico.core.ratelimit.LocalRateLimiter;
import dev.portico.core.ratelimit.Plan;
import dev.portico.core.ratelimit.RateLimiter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import static dev.portico.examples.mobile.Http.bearer;
import static dev.portico.examples.mobile.Http.error;
import static org.assertj.core.api.Assertions.assertThat;

/** EXAMPLE.md's rate limits: per client IP on the public product routes, per {@code sub} wherever a token is sent. */
class DemoRateLimitTest {

    private static final int PER_MINUTE = 5;

    private final DemoConfig config = new DemoConfig(0, Duration.ZERO, Duration.ofSeconds(2), null)
            .withRateLimitPerMinute(PER_MINUTE);
    private MobileDemo demo;
    private Http http;

    @BeforeEach
    void start() throws Exception {
        demo = MobileDemo.start(config);
        http = new Http(demo.port());
    }

    @AfterEach
    void stop() {
        demo.close();
    }

    @Test
    void eachClientAddressMayMakeTheQuotaOfProductRequestsAMinuteAcrossEveryProductRoute() throws Exception {
        String[] targets = {"/api/products", "/api/products/p1", "/api/v1/products/p1", "/api/products", "/api/products"};
        for (int i = 0; i < PER_MINUTE; i++) {
            HttpResponse<String> response = http.get(targets[i]);
            assertThat(response.statusCode()).as(targets[i]).isEqualTo(200);
            assertThat(response.headers().firstValue("X-RateLimit-Limit")).hasValue(String.valueOf(PER_MINUTE));
            assertThat(response.headers().firstValue("X-RateLimit-Remaining")).hasValue(String.valueOf(PER_MINUTE - 1 - i));
        }

        HttpResponse<String> refused = http.get("/api/products/p2");

        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(error(refused)).isEqualTo("too_many_requests");
        assertThat(refused.headers().firstValue("X-RateLimit-Limit")).hasValue(String.valueOf(PER_MINUTE));
        assertThat(refused.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
        assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 60L);
    }

    @Test
    void aSpoofedXForwardedForDoesNotBuyANewBudget() throws Exception {
        for (int i = 0; i < PER_MINUTE; i++) {
            assertThat(http.get("/api/products").statusCode()).isEqualTo(200);
        }

        assertThat(http.get("/api/products", "X-Forwarded-For", "198.51.100.7").statusCode()).isEqualTo(429);
        assertThat(http.get("/api/products", "Forwarded", "for=198.51.100.8").statusCode()).isEqualTo(429);
    }

    @Test
    void authenticatedRequestsCountAgainstTheUserNotTheAddress() throws Exception {
        for (int i = 0; i < PER_MINUTE; i++) {
            assertThat(http.get("/api/products", "Authorization", bearer("alice")).statusCode()).isEqualTo(200);
        }

        HttpResponse<String> anonymous = http.get("/api/products");
        HttpResponse<String> aliceAgain = http.get("/api/users/me", "Authorization", bearer("alice"));

        assertThat(anonymous.statusCode()).isEqualTo(200);
        assertThat(anonymous.headers().firstValue("X-RateLimit-Remaining")).hasValue(String.valueOf(PER_MINUTE - 1));
        assertThat(aliceAgain.statusCode()).isEqualTo(429);
    }

    @Test
    void oneUserSpendingTheirBudgetOnEveryAuthenticatedRouteDoesNotBlockAnother() throws Exception {
        assertThat(http.get("/api/users/me", "Authorization", bearer("alice")).statusCode()).isEqualTo(200);
        assertThat(http.get("/api/orders", "Authorization", bearer("alice")).statusCode()).isEqualTo(200);
        assertThat(http.post("/api/orders", "{\"productId\":\"p1\",\"quantity\":1}",
                "Authorization", bearer("alice"), "Content-Type", "application/json").statusCode()).isEqualTo(201);
        assertThat(http.get("/api/dashboard", "Authorization", bearer("alice")).statusCode()).isEqualTo(200);
        assertThat(http.get("/api/products/p1", "Authorization", bearer("alice")).statusCode()).isEqualTo(200);

        HttpResponse<String> alice = http.get("/api/orders", "Authorization", bearer("alice"));
        HttpResponse<String> bob = http.get("/api/orders", "Authorization", bearer("bob"));

        assertThat(alice.statusCode()).isEqualTo(429);
        assertThat(bob.statusCode()).isEqualTo(200);
        assertThat(bob.headers().firstValue("X-RateLimit-Remaining")).hasValue(String.valueOf(PER_MINUTE - 1));
    }

    /**
     * The black-box probe's scenario, on the demo's own limit and a clock the test moves: 1 request, 57 s later 5, 4.5 s
     * later 5 more. The budget renewed whole a minute after its first use let 9 of those 10 through within 4.5 s.
     */
    @Test
    void atMostTheQuotaIsAcceptedInAnySixtySecondsAcrossWhatWasTheMinutesRenewal() {
        RateLimiter limiter = LocalRateLimiter.create();
        Plan plan = Plan.of("default", MobileGateway.rateLimit(config));
        Clock clock = new Clock();

        assertThat(accepted(limiter, plan, clock, 1)).isEqualTo(1);
        clock.nanos += Duration.ofSeconds(57).toNanos();
        int beforeTheMinute = accepted(limiter, plan, clock, PER_MINUTE);
        clock.nanos += Duration.ofMillis(4_500).toNanos();
        int afterTheMinute = accepted(limiter, plan, clock, PER_MINUTE);

        assertThat(beforeTheMinute).isEqualTo(PER_MINUTE - 1);
        assertThat(afterTheMinute).as("only the first request's permit, a minute old").isEqualTo(1);
    }

    private static int accepted(RateLimiter limiter, Plan plan, TimeSource clock, int requests) {
        int accepted = 0;
        for (int i = 0; i < requests; i++) {
            accepted += limiter.tryAcquire("ip:198.51.100.7", plan, clock).toCompletableFuture().join().isAllowed() ? 1 : 0;
        }
        return accepted;
    }

    /** A time source that moves only when told. */
    private static final class Clock implements TimeSource {
        long nanos = 1_000_000_000L;

        @Override
        public long nanoTime() {
            return nanos;
        }

        @Override
        public Instant instant() {
            return Instant.EPOCH.plusNanos(nanos);
        }

        @Override
        public Future<?> schedule(Runnable task, Duration delay) {
            return new CompletableFuture<>();
        }
    }

    @Test
    void healthIsNeverLimited() throws Exception {
        for (int i = 0; i < PER_MINUTE * 3; i++) {
            HttpResponse<String> health = http.get("/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.headers().firstValue("X-RateLimit-Limit")).isEmpty();
        }
    }
}
