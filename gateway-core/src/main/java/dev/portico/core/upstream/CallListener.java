package dev.portico.core.upstream;

/**
 * Hears the outcome of every upstream call attempt: registered on an {@code Upstream} (its health, its breaker) or
 * on the gateway (spans, metrics). Called on IO threads: it must be quick, must not block, and what it throws is
 * logged and ignored.
 */
@FunctionalInterface
public interface CallListener {

    /** Hears one outcome. */
    void onOutcome(CallOutcome outcome);
}
