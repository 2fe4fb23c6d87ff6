package dev.portico.core.auth;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Tokens a JWT filter has verified, by their exact text, so a client that sends the same token again skips the
 * decoding, the signature and the claim checks: an entry lives until the token's {@code exp} and at most a minute
 * (so a key withdrawn from a JWKS stops working within a minute), and the cache holds a bounded number of them.
 */
final class VerifiedTokens {

    private static final long MAX_AGE_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final long PURGE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private record Entry(Principal principal, long until) {
    }

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final int capacity;
    private volatile long lastPurge = System.nanoTime() - PURGE_NANOS;

    VerifiedTokens(int capacity) {
        this.capacity = capacity;
    }

    /** Returns the principal of a token verified before and still fresh, or {@code null}. */
    Principal get(String token, long now) {
        Entry entry = entries.get(token);
        if (entry == null) {
            return null;
        }
        if (now - entry.until >= 0) {
            entries.remove(token, entry);
            return null;
        }
        return entry.principal;
    }

    /**
     * Remembers a verified token until its expiry ({@code expEpochSeconds}, or none when negative), at most a minute;
     * {@code now} is a nanosecond reading, {@code nowMillis} the wall clock at the same time.
     */
    void put(String token, Principal principal, long now, long nowMillis, long expEpochSeconds) {
        long ttl = MAX_AGE_NANOS;
        if (expEpochSeconds >= 0) {
            ttl = Math.min(ttl, TimeUnit.MILLISECONDS.toNanos(expEpochSeconds * 1000 - nowMillis));
        }
        if (ttl <= 0) {
            return;
        }
        if (entries.size() >= capacity) {
            // a scan of every entry, at most once a second: not on each request while the cache is full
            if (now - lastPurge >= PURGE_NANOS) {
                lastPurge = now;
                entries.values().removeIf(entry -> now - entry.until >= 0);
            }
            if (entries.size() >= capacity) {
                return; // full of fresh tokens: verify this one each time rather than grow
            }
        }
        entries.put(token, new Entry(principal, now + ttl));
    }
}
