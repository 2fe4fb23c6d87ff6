package dev.portico.examples.guide;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.ratelimit.Limit;
import dev.portico.core.ratelimit.LocalRateLimiter;
import dev.portico.core.ratelimit.Plan;
import dev.portico.core.ratelimit.RateLimit;
import dev.portico.core.ratelimit.RateLimitKey;
import dev.portico.core.upstream.Upstream;
import dev.portico.redis.RedisRateLimiter;
import io.lettuce.core.RedisClient;

import java.time.Duration;

/** The code quoted in docs/rate-limiting.md (its Redis section), compiled so that it cannot rot. */
public final class RedisExamples {

    private RedisExamples() {
    }

    static RedisRateLimiter setUp() {
        return RedisRateLimiter.builder("redis://redis.internal:6379/0")   // or rediss://, redis-sentinel://
                .keyPrefix("portico:rl:")                                 // the default
                .idleExpiry(Duration.ofSeconds(10))                       // kept this long after it is full again
                .timeout(Duration.ofMillis(50))                           // the longest a request waits for Redis
                .failOpen()                                               // or failOpen(fallback), failClosed()
                .build();                                                 // connects now, or throws
    }

    static Gateway cluster(RedisRateLimiter redis, Upstream api) {
        RateLimit perCaller = RateLimit.by(RateLimitKey.subjectOrClientIp())
                .limit(600, Duration.ofMinutes(1))                        // 600 a minute across every gateway
                .limiter(redis)
                .name("api")                                              // the budget's name, part of its keys
                .build();
        return Gateway.builder()
                .route(Route.any("/api/**").filter(perCaller).to(api))
                .build();
    }

    static RedisRateLimiter sharedClient(RedisClient client) {
        return RedisRateLimiter.builder(client)                           // one client for the whole application
                .failClosed()
                .build();                                                 // close() leaves the client open
    }

    static RedisRateLimiter failOpenToALocalShare() {
        LocalRateLimiter local = LocalRateLimiter.create();
        Plan share = Plan.of("local-share", Limit.of(200, Duration.ofMinutes(1)));  // 600 a minute over 3 gateways
        return RedisRateLimiter.builder("redis://redis.internal:6379")
                .failOpen((key, plan) -> local.tryAcquire(key, share))
                .build();
    }
}
