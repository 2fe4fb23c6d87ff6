package dev.portico.core.upstream;

import dev.portico.core.Context;
import dev.portico.core.Request;
import dev.portico.core.internal.CoreAccess;
import dev.portico.core.resilience.CircuitBreaker;
import dev.portico.core.resilience.RetryBudget;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A named backend service with one or more instances, which calls are spread over by its {@link LoadBalancer}
 * (round robin unless set), and the listeners that hear the outcome of every call to it.
 *
 * <pre>{@code
 * Upstream users = Upstream.of("users", "http://10.0.0.7:8080", "http://10.0.0.8:8080");
 * }</pre>
 */
public final class Upstream {

    private final String name;
    private final List<Endpoint> endpoints;
    private final LoadBalancer loadBalancer;
    private final List<CallListener> listeners;
    private final CircuitBreaker circuitBreaker;
    private final RetryBudget retryBudget;
    private final int maxConcurrentRequests;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger retrying = new AtomicInteger();

    static {
        CoreAccess.upstreams(new CoreAccess.UpstreamAccess() {
            @Override
            public boolean admit(Upstream upstream) {
                return upstream.admit();
            }

            @Override
            public void release(Upstream upstream) {
                upstream.active.decrementAndGet();
            }

            @Override
            public boolean startRetry(Upstream upstream) {
                return upstream.startRetry();
            }

            @Override
            public void endRetry(Upstream upstream) {
                upstream.retrying.decrementAndGet();
            }
        });
    }

    private Upstream(Builder b) {
        this.name = b.name;
        this.endpoints = List.copyOf(b.endpoints);
        this.loadBalancer = b.loadBalancer != null ? b.loadBalancer : LoadBalancer.roundRobin();
        this.listeners = List.copyOf(b.listeners);
        this.circuitBreaker = b.circuitBreaker;
        this.retryBudget = b.retryBudget;
        this.maxConcurrentRequests = b.maxConcurrentRequests;
    }

    /** Returns an upstream with these instance URLs, such as {@code http://127.0.0.1:8081}. */
    public static Upstream of(String name, String... instances) {
        Builder builder = builder(name);
        for (String instance : instances) {
            builder.instance(instance);
        }
        return builder.build();
    }

    /** Returns a builder for an upstream with this name. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Returns the name, used in logs, metrics and errors. */
    public String name() {
        return name;
    }

    /** Returns the instances. */
    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /** Returns the policy that chooses the instance of each call. */
    public LoadBalancer loadBalancer() {
        return loadBalancer;
    }

    /**
     * Chooses the instance for one attempt of a call: the load balancer's pick among the instances not in
     * {@code tried}, or among all of them when every instance has been tried.
     */
    public Endpoint choose(Request request, Context context, Set<Endpoint> tried) {
        List<Endpoint> candidates = endpoints;
        if (!tried.isEmpty()) {
            List<Endpoint> untried = new ArrayList<>(endpoints.size());
            for (Endpoint endpoint : endpoints) {
                if (!tried.contains(endpoint)) {
                    untried.add(endpoint);
                }
            }
            candidates = untried.isEmpty() ? endpoints : untried;
        }
        return loadBalancer.choose(candidates, request, context);
    }

    /** Returns the listeners that hear the outcome of every call to this upstream. */
    public List<CallListener> listeners() {
        return listeners;
    }

    /** Returns the circuit breaker that guards calls to this upstream, or {@code null} for none. */
    public CircuitBreaker circuitBreaker() {
        return circuitBreaker;
    }

    /** Returns the budget that caps concurrent retries to this upstream ({@link RetryBudget#defaults()} unless set). */
    public RetryBudget retryBudget() {
        return retryBudget;
    }

    /** Returns the most calls waiting for this upstream's answer at once; {@link Integer#MAX_VALUE} for no cap. */
    public int maxConcurrentRequests() {
        return maxConcurrentRequests;
    }

    /**
     * Returns how many calls are waiting for this upstream's answer now (from their first attempt to the final
     * response head), counting the calls that go through its policies: retries, a request cap or a breaker.
     */
    public int activeRequests() {
        return active.get();
    }

    private boolean admit() {
        if (active.incrementAndGet() > maxConcurrentRequests) {
            active.decrementAndGet();
            return false;
        }
        return true;
    }

    private boolean startRetry() {
        while (true) {
            int now = retrying.get();
            if (!retryBudget.allows(now, active.get())) {
                return false;
            }
            if (retrying.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    @Override
    public String toString() {
        return "Upstream{" + name + ' ' + endpoints + '}';
    }

    /** A builder of {@link Upstream}. */
    public static final class Builder {

        private final String name;
        private final List<Endpoint> endpoints = new ArrayList<>();
        private final List<CallListener> listeners = new ArrayList<>();
        private CircuitBreaker circuitBreaker;
        private RetryBudget retryBudget = RetryBudget.defaults();
        private int maxConcurrentRequests = Integer.MAX_VALUE;
        private LoadBalancer loadBalancer;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("name: blank (expected: a service name)");
            }
        }

        /** Adds an instance by URL: {@code http://host:port}, optionally with a base path prepended to every path. */
        public Builder instance(String url) {
            return instance(URI.create(Objects.requireNonNull(url, "url")));
        }

        /** Adds an instance by URL. */
        public Builder instance(URI url) {
            endpoints.add(Endpoint.of(url));
            return this;
        }

        /** Sets the policy that chooses the instance of each call (default: round robin). */
        public Builder loadBalancer(LoadBalancer loadBalancer) {
            this.loadBalancer = Objects.requireNonNull(loadBalancer, "loadBalancer");
            return this;
        }

        /** Adds a listener that hears the outcome of every call to this upstream. */
        public Builder listener(CallListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Guards calls with this circuit breaker: while it is open they get its fallback or 503 JSON at once. A
         * breaker holds state, so give each upstream its own.
         */
        public Builder circuitBreaker(CircuitBreaker breaker) {
            this.circuitBreaker = Objects.requireNonNull(breaker, "breaker");
            return this;
        }

        /** Sets the budget that caps concurrent retries to this upstream (default {@link RetryBudget#defaults()}). */
        public Builder retryBudget(RetryBudget budget) {
            this.retryBudget = Objects.requireNonNull(budget, "budget");
            return this;
        }

        /**
         * Caps the calls waiting for this upstream's answer at once; a call over the cap gets 503 JSON at once,
         * without reaching the upstream (default: no cap).
         */
        public Builder maxConcurrentRequests(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxConcurrentRequests: " + max + " (expected: >= 1)");
            }
            this.maxConcurrentRequests = max;
            return this;
        }

        /** Returns the upstream. */
        public Upstream build() {
            if (endpoints.isEmpty()) {
                throw new IllegalStateException("upstream " + name + ": no instances (expected: at least one)");
            }
            return new Upstream(this);
        }
    }
}
