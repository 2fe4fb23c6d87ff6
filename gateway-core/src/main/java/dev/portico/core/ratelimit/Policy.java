package dev.portico.core.ratelimit;

import dev.portico.core.Headers;

import java.time.Duration;
import java.util.List;

/** A plan with the header values that never change, computed once: each limit's permits and IETF policy name. */
final class Policy {

    static final String LIMIT = "X-RateLimit-Limit";
    static final String REMAINING = "X-RateLimit-Remaining";
    static final String RESET = "X-RateLimit-Reset";
    static final String IETF = "RateLimit";
    static final String IETF_POLICY = "RateLimit-Policy";

    private final Plan plan;
    private final List<Limit> limits;
    private final String[] permits;
    private final String[] names;
    private final String ietfPolicy;

    Policy(Plan plan) {
        this.plan = plan;
        this.limits = plan.limits();
        int n = limits.size();
        this.permits = new String[n];
        this.names = new String[n];
        StringBuilder policy = new StringBuilder();
        for (int i = 0; i < n; i++) {
            Limit limit = limits.get(i);
            permits[i] = Long.toString(limit.permits());
            long window = Math.max(1, ceilSeconds(limit.period()));
            names[i] = quoted(n == 1 ? plan.name() : plan.name() + '-' + window + 's');
            policy.append(i == 0 ? "" : ", ").append(names[i]).append(";q=").append(limit.permits())
                    .append(";w=").append(window);
        }
        this.ietfPolicy = policy.toString();
    }

    Plan plan() {
        return plan;
    }

    /** Sets the rate-limit fields of a decision; {@code ietf} adds {@code RateLimit} and {@code RateLimit-Policy}. */
    void write(Decision decision, boolean ietf, Headers.Builder headers) {
        int i = limits.indexOf(decision.limit());
        String remaining = Long.toString(decision.remaining());
        String reset = Long.toString(ceilSeconds(decision.reset()));
        headers.removeIf(ietf ? Policy::isAnyField : Policy::isLegacyField); // one pass, then the fields
        headers.add(LIMIT, i >= 0 ? permits[i] : Long.toString(decision.limit().permits()));
        headers.add(REMAINING, remaining);
        headers.add(RESET, reset);
        if (ietf) {
            String name = i >= 0 ? names[i] : quoted(plan.name());
            headers.add(IETF_POLICY, ietfPolicy);
            headers.add(IETF, name + ";r=" + remaining + ";t=" + reset);
        }
    }

    private static boolean isLegacyField(String name) {
        return name.length() > 11 && (name.charAt(0) | 0x20) == 'x' && (name.equalsIgnoreCase(LIMIT)
                || name.equalsIgnoreCase(REMAINING) || name.equalsIgnoreCase(RESET));
    }

    private static boolean isAnyField(String name) {
        return isLegacyField(name) || name.equalsIgnoreCase(IETF) || name.equalsIgnoreCase(IETF_POLICY);
    }

    /** Returns whole seconds, rounded up. */
    static long ceilSeconds(Duration duration) {
        long seconds = duration.getSeconds();
        return duration.getNano() > 0 && seconds < Long.MAX_VALUE ? seconds + 1 : seconds;
    }

    /** Returns a structured-field string (RFC 9651) of a plan name already checked to be printable ASCII. */
    private static String quoted(String name) {
        StringBuilder out = new StringBuilder(name.length() + 2).append('"');
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.append('"').toString();
    }
}
