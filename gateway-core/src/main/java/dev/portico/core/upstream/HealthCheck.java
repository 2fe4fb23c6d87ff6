package dev.portico.core.upstream;

import dev.portico.core.internal.Checks;
import dev.portico.core.internal.http.Paths;

import java.time.Duration;

/**
 * Active health: every {@code interval}, while a server serves a gateway that uses the upstream, a {@code GET} of
 * {@code path} to each instance, through the server's non-blocking upstream client; {@code unhealthyThreshold}
 * failed checks in a row (an unexpected status, no answer within {@code timeout}) take an instance out of balancing,
 * {@code healthyThreshold} passed checks in a row bring it back. Instances start healthy.
 *
 * <pre>{@code
 * HealthCheck check = HealthCheck.builder("/health").interval(Duration.ofSeconds(5)).build();
 * }</pre>
 */
public final class HealthCheck {

    private final String path;
    private final Duration interval;
    private final Duration timeout;
    private final int healthyThreshold;
    private final int unhealthyThreshold;
    private final int minStatus;
    private final int maxStatus;

    private HealthCheck(Builder b) {
        this.path = b.path;
        this.interval = b.interval;
        this.timeout = b.timeout;
        this.healthyThreshold = b.healthyThreshold;
        this.unhealthyThreshold = b.unhealthyThreshold;
        this.minStatus = b.minStatus;
        this.maxStatus = b.maxStatus;
    }

    /** Returns a builder of checks of this raw path, such as {@code /health} (no query). */
    public static Builder builder(String path) {
        return new Builder(path);
    }

    /** Returns the raw path checked. */
    public String path() {
        return path;
    }

    /** Returns the time between the starts of two rounds of checks. */
    public Duration interval() {
        return interval;
    }

    /** Returns how long a check may take, to connect and to answer. */
    public Duration timeout() {
        return timeout;
    }

    /** Returns how many passed checks in a row bring an unhealthy instance back. */
    public int healthyThreshold() {
        return healthyThreshold;
    }

    /** Returns how many failed checks in a row take a healthy instance out. */
    public int unhealthyThreshold() {
        return unhealthyThreshold;
    }

    /** Returns whether a check answered with this status passed. */
    public boolean passes(int status) {
        return status >= minStatus && status <= maxStatus;
    }

    @Override
    public String toString() {
        return "HealthCheck{" + path + " every " + interval + ", timeout " + timeout + ", healthy after " + healthyThreshold
                + ", unhealthy after " + unhealthyThreshold + ", expects " + minStatus + '-' + maxStatus + '}';
    }

    /** A builder of {@link HealthCheck}. */
    public static final class Builder {

        private final String path;
        private Duration interval = Duration.ofSeconds(10);
        private Duration timeout = Duration.ofSeconds(2);
        private int healthyThreshold = 2;
        private int unhealthyThreshold = 3;
        private int minStatus = 200;
        private int maxStatus = 299;

        private Builder(String path) {
            this.path = Paths.checkRaw(path);
        }

        /** Sets the time between the starts of two rounds (default 10 s). */
        public Builder interval(Duration interval) {
            this.interval = Checks.positive(interval, "interval");
            return this;
        }

        /** Sets how long a check may take to connect, and then to answer (default 2 s). */
        public Builder timeout(Duration timeout) {
            this.timeout = Checks.positive(timeout, "timeout");
            return this;
        }

        /** Sets how many passed checks in a row bring an unhealthy instance back (default 2). */
        public Builder healthyThreshold(int count) {
            this.healthyThreshold = atLeastOne(count, "healthyThreshold");
            return this;
        }

        /** Sets how many failed checks in a row take a healthy instance out (default 3). */
        public Builder unhealthyThreshold(int count) {
            this.unhealthyThreshold = atLeastOne(count, "unhealthyThreshold");
            return this;
        }

        /** Sets the statuses that pass, {@code from} to {@code to} inclusive (default 200-299). */
        public Builder expectedStatuses(int from, int to) {
            if (from < 100 || to > 599 || from > to) {
                throw new IllegalArgumentException("expectedStatuses: " + from + '-' + to + " (expected: 100 <= from <= to <= 599)");
            }
            this.minStatus = from;
            this.maxStatus = to;
            return this;
        }

        private static int atLeastOne(int count, String name) {
            if (count < 1) {
                throw new IllegalArgumentException(name + ": " + count + " (expected: > 0)");
            }
            return count;
        }

        /** Returns the check. */
        public HealthCheck build() {
            return new HealthCheck(this);
        }
    }
}
