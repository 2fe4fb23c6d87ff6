package dev.portico.core.ratelimit;

import dev.portico.core.TimeSource;

import java.util.concurrent.CompletionStage;

/**
 * Takes one permit for a key under a plan and says whether the request may go on; implementations keep one bucket
 * per plan name and key, never block the calling thread (an IO thread), and complete the stage exceptionally with
 * a {@link dev.portico.core.GatewayException} (such as 503) when they cannot decide.
 *
 * <pre>{@code
 * RateLimiter limiter = LocalRateLimiter.create();
 * limiter.tryAcquire("ip:203.0.113.9", plan).thenAccept(decision -> log(decision.isAllowed()));
 * }</pre>
 */
@FunctionalInterface
public interface RateLimiter {

    /** Takes one permit from the bucket of {@code key} under {@code plan}, creating it full on first use. */
    CompletionStage<Decision> tryAcquire(String key, Plan plan);

    /**
     * Takes one permit as {@link #tryAcquire(String, Plan)} does, for a request that reads time from {@code time}
     * (its gateway's time source): a limiter that keeps time itself refills by it; one that keeps time elsewhere
     * (a Redis server) ignores it, as this default does.
     */
    default CompletionStage<Decision> tryAcquire(String key, Plan plan, TimeSource time) {
        return tryAcquire(key, plan);
    }
}
