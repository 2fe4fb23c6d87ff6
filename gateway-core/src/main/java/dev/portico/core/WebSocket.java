package dev.portico.core;

import dev.portico.core.internal.Checks;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * How a route's WebSocket connections are bounded: once the upstream accepts the upgrade, frames flow both ways
 * unbuffered, a frame or message over its limit closes the connection with 1009, and a connection silent in both
 * directions for {@link #idleTimeout()} is closed with 1001; a browser's handshake from an origin not allowed gets 403.
 *
 * <pre>{@code
 * Route.get("/live").webSocket(WebSocket.builder().maxMessageSize(64 * 1024).idleTimeout(Duration.ofMinutes(2)).build())
 *         .filter(jwt).to(live);
 * }</pre>
 */
public final class WebSocket {

    private static final WebSocket DEFAULTS = builder().build();

    private final long maxFrameSize;
    private final long maxMessageSize;
    private final Duration idleTimeout;
    private final Set<String> allowedOrigins;

    private WebSocket(Builder b) {
        this.maxFrameSize = b.maxFrameSize;
        this.maxMessageSize = b.maxMessageSize;
        this.idleTimeout = b.idleTimeout;
        this.allowedOrigins = Set.copyOf(b.allowedOrigins);
    }

    /** Returns the defaults: frames and messages up to 1 MiB, 5 minutes of silence. */
    public static WebSocket defaults() {
        return DEFAULTS;
    }

    /** Returns a new builder, with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the largest frame payload accepted from either side, in bytes. */
    public long maxFrameSize() {
        return maxFrameSize;
    }

    /** Returns the largest message accepted from either side, its fragments' payloads together, in bytes. */
    public long maxMessageSize() {
        return maxMessageSize;
    }

    /** Returns how long a connection may pass no byte either way (pings count) before it is closed. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** Returns the origins allowed to open a WebSocket, lower-cased; empty for any. */
    public Set<String> allowedOrigins() {
        return allowedOrigins;
    }

    /**
     * Returns whether a handshake with this {@code Origin} header (or none, {@code null}) may proceed: any when no
     * origin is configured, else only a listed one, or none at all (a client that is not a browser sends none).
     */
    public boolean allowsOrigin(String origin) {
        return origin == null || allowedOrigins.isEmpty() || allowedOrigins.contains(origin.toLowerCase(Locale.ROOT));
    }

    @Override
    public String toString() {
        return "WebSocket{maxFrameSize=" + maxFrameSize + ", maxMessageSize=" + maxMessageSize
                + ", idleTimeout=" + idleTimeout + ", allowedOrigins=" + allowedOrigins + '}';
    }

    /** A builder of {@link WebSocket}. */
    public static final class Builder {

        private long maxFrameSize = 1024 * 1024;
        private long maxMessageSize = 1024 * 1024;
        private Duration idleTimeout = Duration.ofMinutes(5);
        private final Set<String> allowedOrigins = new LinkedHashSet<>();

        private Builder() {
        }

        /**
         * Allows browsers on these origins only, such as {@code https://app.example.com}: a handshake whose
         * {@code Origin} is another gets 403 before any upstream call (browsers apply no CORS to WebSockets, so this
         * is what stops another site's page from opening one with the user's cookies). Handshakes without an
         * {@code Origin} are allowed.
         */
        public Builder allowOrigins(String... origins) {
            for (String origin : origins) {
                allowedOrigins.add(Objects.requireNonNull(origin, "origin").toLowerCase(Locale.ROOT));
            }
            return this;
        }

        /** Sets the largest frame payload accepted, in bytes (default 1 MiB). */
        public Builder maxFrameSize(long bytes) {
            this.maxFrameSize = Checks.notNegative(bytes, "maxFrameSize");
            return this;
        }

        /** Sets the largest message accepted, the payloads of its fragments together, in bytes (default 1 MiB). */
        public Builder maxMessageSize(long bytes) {
            this.maxMessageSize = Checks.notNegative(bytes, "maxMessageSize");
            return this;
        }

        /** Sets how long a connection may be silent both ways before it is closed (default 5 minutes). */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = Checks.positive(idleTimeout, "idleTimeout");
            return this;
        }

        /** Returns the options. */
        public WebSocket build() {
            return new WebSocket(this);
        }
    }
}
