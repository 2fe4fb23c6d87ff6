package dev.portico.core.upstream;

import dev.portico.core.internal.Checks;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * Passive health, as Envoy's outlier detection: an instance whose calls fail {@code consecutiveFailures} times in a
 * row (connection refused, reset, timed out, a malformed response, or a failure status) is ejected from balancing
 * for {@code baseEjectionTime} times the number of times it has been ejected, at most {@code maxEjectionTime}, then
 * comes back on its own; an instance is only ejected while none is, or while fewer than {@code maxEjectedShare} of
 * the instances are.
 *
 * <pre>{@code
 * Upstream.builder("users").instance("http://10.0.0.7:8080").instance("http://10.0.0.8:8080")
 *         .outlierDetection(OutlierDetection.builder().consecutiveFailures(3).build())
 *         .build();
 * }</pre>
 */
public final class OutlierDetection {

    private final int consecutiveFailures;
    private final Duration baseEjectionTime;
    private final Duration maxEjectionTime;
    private final double maxEjectedShare;
    private final boolean[] failureStatuses;

    private OutlierDetection(Builder b) {
        this.consecutiveFailures = b.consecutiveFailures;
        this.baseEjectionTime = b.baseEjectionTime;
        this.maxEjectionTime = b.maxEjectionTime;
        this.maxEjectedShare = b.maxEjectedShare;
        this.failureStatuses = b.failureStatuses.clone();
    }

    /** Returns a builder with Envoy's defaults: 5 failures, 30 s base, 300 s at most, 10% of the instances. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns how many failures in a row eject an instance. */
    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    /** Returns the first ejection's length; the n-th lasts n times as long. */
    public Duration baseEjectionTime() {
        return baseEjectionTime;
    }

    /** Returns the longest ejection. */
    public Duration maxEjectionTime() {
        return maxEjectionTime;
    }

    /** Returns the share of instances that may be ejected at once (one may always be). */
    public double maxEjectedShare() {
        return maxEjectedShare;
    }

    /** Returns whether a response with this status counts as a failure. */
    public boolean isFailure(int status) {
        return status >= 0 && status < failureStatuses.length && failureStatuses[status];
    }

    @Override
    public String toString() {
        return "OutlierDetection{consecutiveFailures=" + consecutiveFailures + ", baseEjectionTime=" + baseEjectionTime
                + ", maxEjectionTime=" + maxEjectionTime + ", maxEjectedShare=" + maxEjectedShare + '}';
    }

    /** A builder of {@link OutlierDetection}. */
    public static final class Builder {

        private int consecutiveFailures = 5;
        private Duration baseEjectionTime = Duration.ofSeconds(30);
        private Duration maxEjectionTime = Duration.ofSeconds(300);
        private double maxEjectedShare = 0.1;
        private final boolean[] failureStatuses = new boolean[600];

        private Builder() {
            Arrays.fill(failureStatuses, 500, 600, true);
        }

        /** Sets how many failures in a row eject an instance (default 5). */
        public Builder consecutiveFailures(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("consecutiveFailures: " + count + " (expected: > 0)");
            }
            this.consecutiveFailures = count;
            return this;
        }

        /** Sets the first ejection's length (default 30 s); the n-th ejection lasts n times as long. */
        public Builder baseEjectionTime(Duration time) {
            this.baseEjectionTime = Checks.positive(time, "baseEjectionTime");
            return this;
        }

        /** Sets the longest ejection (default 300 s, and never shorter than the base time). */
        public Builder maxEjectionTime(Duration time) {
            this.maxEjectionTime = Checks.positive(time, "maxEjectionTime");
            return this;
        }

        /**
         * Sets the share of the instances that may be ejected at once, 0 to 1 (default 0.1): an instance is ejected
         * while none is, or while fewer than this share are, so one may always be (Envoy's rule).
         */
        public Builder maxEjectedShare(double share) {
            if (!(share >= 0 && share <= 1)) {
                throw new IllegalArgumentException("maxEjectedShare: " + share + " (expected: 0-1)");
            }
            this.maxEjectedShare = share;
            return this;
        }

        /**
         * Sets the response statuses that count as failures (default: every 5xx); none leaves only the connection
         * failures, resets, timeouts and malformed responses.
         */
        public Builder failureStatuses(int... statuses) {
            Objects.requireNonNull(statuses, "statuses");
            boolean[] set = new boolean[600];
            for (int status : statuses) {
                if (status < 100 || status > 599) {
                    throw new IllegalArgumentException("failureStatuses: " + status + " (expected: 100-599)");
                }
                set[status] = true;
            }
            System.arraycopy(set, 0, failureStatuses, 0, set.length);
            return this;
        }

        /** Returns the policy. */
        public OutlierDetection build() {
            if (maxEjectionTime.compareTo(baseEjectionTime) < 0) {
                maxEjectionTime = baseEjectionTime;
            }
            return new OutlierDetection(this);
        }
    }
}
