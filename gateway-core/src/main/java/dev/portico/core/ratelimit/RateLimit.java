package dev.portico.core.ratelimit;

import dev.portico.core.Chain;
import dev.portico.core.Context;
import dev.portico.core.Filter;
import dev.portico.core.GatewayException;
import dev.portico.core.Headers;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.auth.Principal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * A filter that lets a request through only while its key's budget has a permit, answering 429 otherwise, and tells
 * the client where it stands on every response it lets through or refuses.
 *
 * <pre>{@code
 * Filter perIp = RateLimit.perClientIp(600, Duration.ofMinutes(1));
 * Filter perCaller = RateLimit.by(RateLimitKey.subjectOrClientIp())
 *         .limit(10, Duration.ofSeconds(1)).limit(1_000, Duration.ofHours(1))
 *         .build();
 * }</pre>
 *
 * <p><b>Headers.</b> Every response of a limited request, a refusal or an upstream's error included, carries
 * {@code X-RateLimit-Limit} (the permits of the binding limit: the plan's limit with the fewest permits left),
 * {@code X-RateLimit-Remaining} (the permits left under it) and {@code X-RateLimit-Reset} (the seconds, rounded up,
 * until that limit's budget is whole again; a delta, not a date); with {@link Builder#ietfHeaders(boolean)},
 * also the IETF draft's {@code RateLimit-Policy} and {@code RateLimit}. A response that already reports fewer
 * permits left (a stricter limit nearer the target) keeps its own fields. A request the key does not apply to
 * ({@code null} key) and an {@link Decision#unmetered unmetered} decision get none.
 *
 * <p><b>Refusals.</b> Over the limit, the answer is 429 {@code too_many_requests} with {@code Retry-After} in whole
 * seconds, rounded up and at least 1, and the request goes no further. A limiter that fails with a {@link
 * GatewayException} fails the request with it; any other failure of the limiter becomes 503, and the detail goes
 * only to the log.
 *
 * <p><b>Budgets.</b> A bucket is identified by the filter's {@link Builder#name(String) name}, the key and the plan,
 * so one filter on several routes is one budget shared by them; {@link Builder#perRoute()} gives each route its own.
 */
public final class RateLimit implements Filter {

    private static final System.Logger LOG = System.getLogger(RateLimit.class.getName());

    private final RateLimitKey key;
    private final RateLimiter limiter;
    private final String prefix;
    private final boolean perRoute;
    private final boolean ietf;
    private final Policy defaultPolicy;
    private final Map<String, Policy> policies;
    private final String planClaim;

    private RateLimit(Builder b, Policy defaultPolicy, Map<String, Policy> policies) {
        this.key = b.key;
        this.limiter = b.limiter != null ? b.limiter : LocalRateLimiter.create();
        this.prefix = b.name + '|';
        this.perRoute = b.perRoute;
        this.ietf = b.ietf;
        this.defaultPolicy = defaultPolicy;
        this.policies = policies;
        this.planClaim = b.planClaim;
    }

    /** Returns a filter that allows each client address {@code permits} requests a {@code period}. */
    public static RateLimit perClientIp(long permits, Duration period) {
        return by(RateLimitKey.clientIp()).limit(permits, period).build();
    }

    /**
     * Returns a filter that allows each authenticated caller {@code permits} requests a {@code period}; requests
     * without a principal are not limited by it (see {@link RateLimitKey#subjectOrClientIp()}).
     */
    public static RateLimit perSubject(long permits, Duration period) {
        return by(RateLimitKey.subject()).limit(permits, period).build();
    }

    /** Returns a builder of a filter whose budgets are keyed by {@code key}. */
    public static Builder by(RateLimitKey key) {
        return new Builder(Objects.requireNonNull(key, "key"));
    }

    @Override
    public CompletionStage<Response> filter(Request request, Chain chain) {
        Context context = chain.context();
        String found = key.key(request, context);
        if (found == null) {
            return chain.proceed(request);
        }
        Policy policy = policy(context);
        CompletionStage<Decision> decided;
        try {
            decided = limiter.tryAcquire(bucketKey(found, context), policy.plan(), context.time());
        } catch (RuntimeException e) {
            decided = CompletableFuture.failedFuture(e);
        }
        Decision now = decided instanceof CompletableFuture<Decision> done && done.isDone()
                && !done.isCompletedExceptionally() ? done.getNow(null) : null;
        if (now != null) {
            return admit(request, chain, policy, now); // a local limiter's decision: no stage to wait on
        }
        return decided.handle((decision, failure) -> failure != null || decision == null
                        ? CompletableFuture.<Response>failedFuture(limiterFailure(failure))
                        : admit(request, chain, policy, decision))
                .thenCompose(Function.identity());
    }

    private String bucketKey(String found, Context context) {
        if (!perRoute) {
            return prefix + found;
        }
        Route route = context.route();
        return prefix + (route == null ? "-" : route.id()) + '|' + found;
    }

    private Policy policy(Context context) {
        if (policies.isEmpty()) {
            return defaultPolicy;
        }
        Principal principal = Principal.of(context);
        if (principal == null) {
            return defaultPolicy;
        }
        Object name = planClaim == null ? principal.plan() : principal.claim(planClaim);
        Policy chosen = name instanceof String plan ? policies.get(plan) : null;
        return chosen != null ? chosen : defaultPolicy;
    }

    private CompletionStage<Response> admit(Request request, Chain chain, Policy policy, Decision decision) {
        if (!decision.isMetered()) {
            return chain.proceed(request);
        }
        if (!decision.isAllowed()) {
            Headers.Builder headers = Headers.builder();
            policy.write(decision, ietf, headers);
            long wait = Math.max(1, Policy.ceilSeconds(decision.retryAfter()));
            headers.set("Retry-After", Long.toString(wait));
            return CompletableFuture.failedFuture(new GatewayException(429, "too_many_requests",
                    "rate limit exceeded: retry in " + wait + (wait == 1 ? " second" : " seconds"), headers.build()));
        }
        return chain.proceed(request).handle((response, failure) -> {
            if (failure == null) {
                if (response == null || reportsFewer(response.headers(), decision)) {
                    return response;
                }
                return response.toBuilder().headers(h -> policy.write(decision, ietf, h)).build();
            }
            Throwable cause = unwrap(failure);
            if (!(cause instanceof GatewayException error) || reportsFewer(error.headers(), decision)) {
                throw failure instanceof CompletionException done ? done : new CompletionException(cause);
            }
            Headers.Builder headers = error.headers().toBuilder();
            policy.write(decision, ietf, headers);
            throw new GatewayException(error.status(), error.error(), error.getMessage(), headers.build());
        });
    }

    /** Returns whether these headers already report fewer permits left than the decision. */
    private static boolean reportsFewer(Headers headers, Decision decision) {
        String remaining = headers.get(Policy.REMAINING);
        if (remaining == null) {
            return false;
        }
        try {
            return Long.parseLong(remaining.trim()) < decision.remaining();
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static Throwable limiterFailure(Throwable failure) {
        Throwable cause = failure == null ? null : unwrap(failure);
        if (cause instanceof GatewayException error) {
            return error;
        }
        if (cause == null) {
            LOG.log(System.Logger.Level.WARNING, "the rate limiter completed with no decision; answering 503");
        } else {
            LOG.log(System.Logger.Level.WARNING, "the rate limiter failed; answering 503", cause);
        }
        return GatewayException.serviceUnavailable("the rate limiter cannot decide now");
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    @Override
    public String toString() {
        return "RateLimit{" + prefix.substring(0, prefix.length() - 1) + ' ' + defaultPolicy.plan()
                + (policies.isEmpty() ? "" : " plans=" + policies.keySet()) + (perRoute ? " per route" : "") + '}';
    }

    /** A builder of {@link RateLimit}; it needs a default plan, from {@link #limit} or {@link #plan}. */
    public static final class Builder {

        private final RateLimitKey key;
        private final List<Limit> limits = new ArrayList<>();
        private Plan plan;
        private final List<Plan> plans = new ArrayList<>();
        private String planClaim;
        private RateLimiter limiter;
        private String name;
        private boolean perRoute;
        private boolean ietf;

        private Builder(RateLimitKey key) {
            this.key = key;
        }

        /** Adds a limit of {@code permits} requests a {@code period}, renewed all at once, to the default plan. */
        public Builder limit(long permits, Duration period) {
            return limit(Limit.of(permits, period));
        }

        /** Adds a limit to the default plan, named {@code default}; all of its limits apply together. */
        public Builder limit(Limit limit) {
            limits.add(Objects.requireNonNull(limit, "limit"));
            return this;
        }

        /** Sets the default plan: the plan of every request whose principal chooses none of {@link #plans}. */
        public Builder plan(Plan plan) {
            this.plan = Objects.requireNonNull(plan, "plan");
            return this;
        }

        /**
         * Adds plans that a request's principal chooses by name: its {@link Principal#plan()} (an API key's plan),
         * or the claim at {@link #planClaim}; an unknown name, no name or no principal gets the default plan.
         */
        public Builder plans(Plan... plans) {
            for (Plan p : plans) {
                this.plans.add(Objects.requireNonNull(p, "plan"));
            }
            return this;
        }

        /** Chooses the plan by the string claim at this dotted path (such as {@code tier}) instead of the principal's plan. */
        public Builder planClaim(String path) {
            this.planClaim = Objects.requireNonNull(path, "path");
            return this;
        }

        /**
         * Sets the limiter that keeps the buckets; default: a new {@link LocalRateLimiter} of this filter's own.
         * A limiter shared by several filters (or gateways) needs a {@link #name} per budget.
         */
        public Builder limiter(RateLimiter limiter) {
            this.limiter = Objects.requireNonNull(limiter, "limiter");
            return this;
        }

        /**
         * Names the budget; the name is part of every bucket's key, so filters with the same name and key share
         * budgets in a shared limiter. Default {@code rate-limit}; required with {@link #limiter}.
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Gives each route the filter runs on a budget of its own, instead of one budget shared by them all. */
        public Builder perRoute() {
            this.perRoute = true;
            return this;
        }

        /** Also sends the IETF draft's {@code RateLimit-Policy} and {@code RateLimit} fields; default {@code false}. */
        public Builder ietfHeaders(boolean ietf) {
            this.ietf = ietf;
            return this;
        }

        /** Returns the filter. */
        public RateLimit build() {
            if (plan != null && !limits.isEmpty()) {
                throw new IllegalArgumentException("limits: " + limits + " and plan: " + plan
                        + " (expected: limits or a default plan, not both)");
            }
            if (plan == null && limits.isEmpty()) {
                throw new IllegalArgumentException("limits: none (expected: limit(...) or plan(...))");
            }
            if (name == null && limiter != null) {
                throw new IllegalArgumentException("name: none (expected: a budget name with a given limiter)");
            }
            if (name == null) {
                name = "rate-limit";
            }
            if (name.isEmpty() || name.indexOf('|') >= 0) {
                throw new IllegalArgumentException("name: " + name + " (expected: not empty, no '|')");
            }
            if (planClaim != null && planClaim.isEmpty()) {
                throw new IllegalArgumentException("planClaim: empty (expected: a claim path)");
            }
            Plan chosen = plan != null ? plan : Plan.of("default", limits);
            Policy defaultPolicy = new Policy(checked(chosen));
            Map<String, Policy> byName = new HashMap<>();
            for (Plan p : plans) {
                if (byName.put(p.name(), new Policy(checked(p))) != null) {
                    throw new IllegalArgumentException("plans: " + p.name() + " twice (expected: distinct names)");
                }
            }
            Policy sameName = byName.get(chosen.name());
            if (sameName != null && !sameName.plan().equals(chosen)) {
                throw new IllegalArgumentException("plans: " + chosen.name()
                        + " differs from the default plan of that name (expected: distinct names)");
            }
            return new RateLimit(this, defaultPolicy, Map.copyOf(byName));
        }

        private Plan checked(Plan p) {
            if (ietf && !p.name().chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
                throw new IllegalArgumentException("plan name: " + p.name()
                        + " (expected: printable ASCII, for the RateLimit-Policy field)");
            }
            return p;
        }
    }
}
