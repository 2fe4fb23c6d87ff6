package dev.portico.core.auth;

import dev.portico.core.TimeSource;

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

    /** A verified token's principal, fresh until {@code until} on the clock of {@code time}. */
    private record Entry(Principal principal, long until, TimeSource time) {
    }

    /**
     * A token as a key: hashed over its last {@value #HASHED} characters, which are its signature's, and compared
     * whole. A token arrives as a new string on every request, so {@code String.hashCode} would hash all of it, a few
     * hundred characters, each time; only the key's holder can make signatures, and only verified tokens are kept,
     * so a shared tail costs one comparison, never a flood.
     */
    private record Key(String token, int hash) {

        static final int HASHED = 16;

        static Key of(String token) {
            int hash = token.length();
            for (int i = Math.max(0, token.length() - HASHED); i < token.length(); i++) {
                hash = 31 * hash + token.charAt(i);
            }
            return new Key(token, hash);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Key that && token.equals(that.token);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();
    private final int capacity;
    private volatile long lastPurge = System.nanoTime() - PURGE_NANOS;

    VerifiedTokens(int capacity) {
        this.capacity = capacity;
    }

    /**
     * Returns the principal of a token verified before and still fresh at {@code now} on {@code time}, or
     * {@code null}; an entry made on another time source (a test's clock) is not fresh on this one.
     */
    Principal get(String token, long now, TimeSource time) {
        Key key = Key.of(token);
        Entry entry = entries.get(key);
        if (entry == null) {
            return null;
        }
        if (entry.time != time || now - entry.until >= 0) {
            entries.remove(key, entry);
            return null;
        }
        return entry.principal;
    }

    /**
     * Remembers a verified token until its expiry ({@code expEpochSeconds}, or none when negative), at most a minute;
     * {@code now} is a nanosecond reading of {@code time}, {@code nowMillis} its wall clock at the same time.
     */
    void put(String token, Principal principal, TimeSource time, long now, long nowMillis, long expEpochSeconds) {
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
                entries.values().removeIf(entry -> entry.time != time || now - entry.until >= 0);
            }
            if (entries.size() >= capacity) {
                return; // full of fresh tokens: verify this one each time rather than grow
            }
        }
        entries.put(Key.of(token), new Entry(principal, now + ttl, time));
    }
}
