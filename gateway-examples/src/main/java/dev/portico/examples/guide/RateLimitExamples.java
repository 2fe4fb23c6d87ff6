package dev.portico.examples.guide;

import dev.portico.core.Filter;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.auth.JwtAuth;
import dev.portico.core.ratelimit.Decision;
import dev.portico.core.ratelimit.Limit;
import dev.portico.core.ratelimit.LocalRateLimiter;
import dev.portico.core.ratelimit.Plan;
import dev.portico.core.ratelimit.RateLimit;
import dev.portico.core.ratelimit.RateLimitKey;
import dev.portico.core.ratelimit.RateLimiter;
import dev.portico.core.upstream.Upstream;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The rate-limiting code quoted in docs/rate-limiting.md, compiled so that it cannot rot. */
public final class RateLimitExamples {

    private RateLimitExamples() {
    }

    static Gateway perClientIp(Upstream app) {
        return Gateway.builder()
                .trustedProxies("10.0.0.0/8")                      // the load balancer's X-Forwarded-For counts
                .route(Route.get("/api/**")
                        .filter(RateLimit.perClientIp(600, Duration.ofMinutes(1)))
                        .to(app))
                .build();
    }

    static Filter perCaller() {
        return RateLimit.by(RateLimitKey.subjectOrClientIp())     // "sub:jwt:alice", else "ip:203.0.113.9"
                .limit(10, Duration.ofSeconds(1))                  // bursts
                .limit(1_000, Duration.ofHours(1))                 // and the hour, both enforced
                .ietfHeaders(true)                                 // RateLimit and RateLimit-Policy too
                .build();
    }

    static Gateway plans(JwtAuth jwt, Upstream orders) {
        Plan free = Plan.of("free", Limit.of(100, Duration.ofMinutes(1)));
        Plan gold = Plan.of("gold", Limit.of(20, Duration.ofSeconds(1)).smooth(),
                Limit.of(50_000, Duration.ofHours(1)));

        Filter limit = RateLimit.by(RateLimitKey.subject())
                .plan(free)                                        // no principal, no plan, an unknown plan
                .plans(gold)                                       // chosen by Principal.plan()
                .planClaim("tier")                                 // ... or, here, by the token's "tier" claim
                .build();
        return Gateway.builder()
                .route(Route.any("/api/orders/**").filter(jwt).filter(limit).to(orders))
                .build();
    }

    static Gateway budgets(Upstream app) {
        Filter shared = RateLimit.perClientIp(100, Duration.ofMinutes(1));
        Filter perRoute = RateLimit.by(RateLimitKey.clientIp()).limit(100, Duration.ofMinutes(1)).perRoute().build();
        return Gateway.builder()
                .route(Route.get("/api/search").filter(shared).to(app))      // search and suggest
                .route(Route.get("/api/suggest").filter(shared).to(app))     // spend one budget
                .route(Route.get("/api/items").filter(perRoute).to(app))     // items and prices
                .route(Route.get("/api/prices").filter(perRoute).to(app))    // have one each
                .build();
    }

    static Gateway sharedLimiter(Upstream app) {
        RateLimiter limiter = LocalRateLimiter.builder().maxKeys(200_000).build();
        return Gateway.builder()
                .route(Route.get("/api/**").filter(RateLimit.by(RateLimitKey.clientIp())
                        .limit(600, Duration.ofMinutes(1)).limiter(limiter).name("api").build()).to(app))
                .route(Route.post("/login").filter(RateLimit.by(RateLimitKey.clientIp())
                        .limit(5, Duration.ofMinutes(1)).limiter(limiter).name("login").build()).to(app))
                .build();
    }

    /** A limiter that lets requests through, unmetered, while the one it wraps fails. */
    static RateLimiter failOpen(RateLimiter store) {
        return (key, plan) -> {
            CompletionStage<Decision> decided;
            try {
                decided = store.tryAcquire(key, plan);
            } catch (RuntimeException e) {
                decided = CompletableFuture.failedFuture(e);
            }
            return decided.exceptionally(failure -> Decision.unmetered(plan.limits().get(0)));
        };
    }
}
