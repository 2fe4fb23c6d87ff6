package dev.portico.core.ratelimit;

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
}
