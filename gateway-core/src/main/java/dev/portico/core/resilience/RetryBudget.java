package dev.portico.core.resilience;

/**
 * A cap on an upstream's concurrent retries, so that retries cannot multiply an outage: a retry may start while the
 * retries in flight are fewer than {@code ratio} of the upstream's active requests, or fewer than {@code minRetries}
 * (Envoy's retry budget). A retry refused by the budget is not made: the caller gets the last answer as it was.
 *
 * <pre>{@code
 * Upstream.builder("users").instance(...).retryBudget(RetryBudget.of(0.2, 3)).build();
 * }</pre>
 */
public final class RetryBudget {

    private static final RetryBudget DEFAULTS = new RetryBudget(0.2, 3);

    private final double ratio;
    private final int minRetries;

    private RetryBudget(double ratio, int minRetries) {
        this.ratio = ratio;
        this.minRetries = minRetries;
    }

    /**
     * Returns a budget of {@code ratio} (0 to 1) of the active requests, with at least {@code minRetries} concurrent
     * retries allowed whatever the traffic.
     */
    public static RetryBudget of(double ratio, int minRetries) {
        if (!(ratio >= 0 && ratio <= 1)) {
            throw new IllegalArgumentException("ratio: " + ratio + " (expected: 0-1)");
        }
        if (minRetries < 0) {
            throw new IllegalArgumentException("minRetries: " + minRetries + " (expected: >= 0)");
        }
        return new RetryBudget(ratio, minRetries);
    }

    /** Returns the budget upstreams have unless set: 20% of active requests, at least 3 concurrent retries. */
    public static RetryBudget defaults() {
        return DEFAULTS;
    }

    /** Returns the share of active requests that may be retries in flight, 0 to 1. */
    public double ratio() {
        return ratio;
    }

    /** Returns how many concurrent retries are allowed whatever the number of active requests. */
    public int minRetries() {
        return minRetries;
    }

    /** Returns whether one more retry may start while {@code activeRetries} are in flight among {@code activeRequests}. */
    public boolean allows(int activeRetries, int activeRequests) {
        return activeRetries < Math.max(minRetries, (int) (ratio * activeRequests));
    }

    @Override
    public String toString() {
        return "RetryBudget{ratio=" + ratio + ", minRetries=" + minRetries + '}';
    }
}
