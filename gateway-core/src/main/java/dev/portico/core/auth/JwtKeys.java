package dev.portico.core.auth;

import com.auth0.jwt.algorithms.Algorithm;

/**
 * The set of keys a JWT filter verifies with: each key id maps to one algorithm with its key, pinned, so a token
 * can never choose its own algorithm, and nothing in a token ({@code alg}, {@code jku}, {@code jwk}, {@code x5u})
 * adds a key or selects one outside the set. Static keys and a JWKS endpoint are both such sets.
 */
public interface JwtKeys {

    /**
     * Returns the pinned algorithm (with its key) for a token's {@code kid}, or {@code null} when the set has no such
     * key; a {@code null} kid finds the set's only key, if it has exactly one. Never blocks: a set that refreshes
     * (JWKS) may start a refresh in the background and answer from what it has.
     */
    Algorithm algorithm(String kid);
}
