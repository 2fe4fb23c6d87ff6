package dev.portico.core.upstream;

import dev.portico.core.internal.Checks;
import dev.portico.core.resilience.RetryPolicy;

import java.time.Duration;
import java.util.Objects;

/**
 * How one call made with {@code Context.send} is bounded and dressed, overriding the route's settings: an
 * aggregation part gets its own timeout this way. Unset values fall back to the route's, then the gateway's.
 *
 * <pre>{@code
 * context.send(users, request, SendOptions.builder().timeout(Duration.ofMillis(300)).build());
 * }</pre>
 */
public final class SendOptions {

    private static final SendOptions DEFAULTS = builder().build();

    private final Duration timeout;
    private final Duration connectTimeout;
    private final long maxBodySize;
    private final boolean proxyHeaders;
    private final RetryPolicy retries;

    private SendOptions(Builder b) {
        this.timeout = b.timeout;
        this.connectTimeout = b.connectTimeout;
        this.maxBodySize = b.maxBodySize;
        this.proxyHeaders = b.proxyHeaders;
        this.retries = b.retries;
    }

    /** Returns the options that change nothing: the route's settings apply. */
    public static SendOptions defaults() {
        return DEFAULTS;
    }

    /** Returns a new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the response timeout (from the end of the request to the response head; with retries, for all attempts
     * and backoffs together), or {@code null}.
     */
    public Duration timeout() {
        return timeout;
    }

    /** Returns the connect timeout, or {@code null}. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** Returns the largest request body to send, in bytes, or -1 for the route's. */
    public long maxBodySize() {
        return maxBodySize;
    }

    /**
     * Returns whether the proxy header rules apply (hop-by-hop removal, {@code X-Forwarded-*}, {@code Forwarded});
     * without them the request goes as given, with only {@code Host} set to the upstream's authority.
     */
    public boolean proxyHeaders() {
        return proxyHeaders;
    }

    /** Returns the retry policy of this call, or {@code null} for the route's. */
    public RetryPolicy retries() {
        return retries;
    }

    /** A builder of {@link SendOptions}. */
    public static final class Builder {

        private Duration timeout;
        private Duration connectTimeout;
        private long maxBodySize = -1;
        private boolean proxyHeaders = true;
        private RetryPolicy retries;

        private Builder() {
        }

        /** Sets the response timeout: from the end of the request to the upstream's response head. */
        public Builder timeout(Duration timeout) {
            this.timeout = Checks.positive(timeout, "timeout");
            return this;
        }

        /** Sets the connect timeout. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Checks.positive(connectTimeout, "connectTimeout");
            return this;
        }

        /** Sets the largest request body to send, in bytes; larger fails the call with 413. */
        public Builder maxBodySize(long bytes) {
            this.maxBodySize = Checks.notNegative(bytes, "maxBodySize");
            return this;
        }

        /** Sets whether the proxy header rules apply (default {@code true}). */
        public Builder proxyHeaders(boolean proxyHeaders) {
            this.proxyHeaders = proxyHeaders;
            return this;
        }

        /**
         * Sets how this call is retried, overriding the route's retries; {@link RetryPolicy#none()} turns them off.
         */
        public Builder retries(RetryPolicy retries) {
            this.retries = Objects.requireNonNull(retries, "retries");
            return this;
        }

        /** Returns the options. */
        public SendOptions build() {
            return new SendOptions(this);
        }
    }

    @Override
    public String toString() {
        return "SendOptions{timeout=" + timeout + ", connectTimeout=" + connectTimeout + ", maxBodySize=" + maxBodySize
                + ", proxyHeaders=" + proxyHeaders + ", retries=" + retries + '}';
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SendOptions that && Objects.equals(timeout, that.timeout)
                && Objects.equals(connectTimeout, that.connectTimeout) && maxBodySize == that.maxBodySize
                && proxyHeaders == that.proxyHeaders && Objects.equals(retries, that.retries);
    }

    @Override
    public int hashCode() {
        return Objects.hash(timeout, connectTimeout, maxBodySize, proxyHeaders, retries);
    }
}
