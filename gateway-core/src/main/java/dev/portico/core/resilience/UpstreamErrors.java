package dev.portico.core.resilience;

/**
 * What a proxy route does with an upstream's 5xx response once retries are over: pass it on as it is, or replace it
 * with the gateway's own 502 JSON (its body is then discarded unread).
 */
public enum UpstreamErrors {
    /** The upstream's 5xx response reaches the client unchanged (the default). */
    PASS_THROUGH,
    /** The upstream's 5xx response becomes the gateway's {@code 502 bad_gateway} JSON error. */
    REPLACE
}
