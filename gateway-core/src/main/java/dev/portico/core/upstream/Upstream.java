package dev.portico.core.upstream;

import dev.portico.core.Context;
import dev.portico.core.GatewayException;
import dev.portico.core.Request;
import dev.portico.core.TimeSource;
import dev.portico.core.internal.CoreAccess;
import dev.portico.core.resilience.CircuitBreaker;
import dev.portico.core.resilience.RetryBudget;
import dev.portico.core.spi.UpstreamClient;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A named backend service with one or more instances, fixed or found by a {@link Discovery}, which calls are spread
 * over by its {@link LoadBalancer} (round robin unless set), skipping instances that its {@link OutlierDetection} has
 * ejected or its {@link HealthCheck} found unhealthy; and the listeners that hear the outcome of every call to it. It
 * holds that state, so a gateway rebuilt around it keeps it; discovery and checks run while a server serves a
 * gateway that routes to it.
 *
 * <pre>{@code
 * Upstream users = Upstream.of("users", "http://10.0.0.7:8080", "http://10.0.0.8:8080");
 * }</pre>
 */
public final class Upstream {

    private final String name;
    private final LoadBalancer loadBalancer;
    private final OutlierDetection outlierDetection;
    private final HealthCheck healthCheck;
    private final Discovery discovery;
    private final List<CallListener> listeners;
    private final Instances instances;
    private final Lifecycle lifecycle;
    private final CircuitBreaker circuitBreaker;
    private final RetryBudget retryBudget;
    private final int maxConcurrentRequests;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger retrying = new AtomicInteger();

    static {
        CoreAccess.upstreams(new CoreAccess.UpstreamAccess() {
            @Override
            public AutoCloseable retain(Upstream upstream, UpstreamClient client, Consumer<Endpoint> retired) {
                return upstream.lifecycle.retain(client, retired);
            }

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

            @Override
            public void instances(Upstream upstream, List<Endpoint> endpoints) {
                upstream.instances.update(endpoints);
            }
        });
    }

    private Upstream(Builder b) {
        this.name = b.name;
        this.loadBalancer = b.loadBalancer != null ? b.loadBalancer : LoadBalancer.roundRobin();
        this.outlierDetection = b.outlierDetection;
        this.healthCheck = b.healthCheck;
        this.discovery = b.discovery;
        this.instances = new Instances(name, outlierDetection, b.nanos);
        if (discovery == null) {
            instances.update(b.endpoints);
        }
        this.lifecycle = new Lifecycle(name, instances, discovery, healthCheck);
        List<CallListener> all = new ArrayList<>();
        if (outlierDetection != null) {
            all.add(instances);
        }
        if (loadBalancer instanceof CallListener counting) {
            all.add(counting);
        }
        if (loadBalancer instanceof ForgetsInstances stateful) {
            instances.onRetired(stateful::forget); // its state of instances that left would pile up under DNS churn
        }
        all.addAll(b.listeners);
        this.listeners = List.copyOf(all);
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

    /** Returns the instances known now, in or out of balancing; empty until a discovery has found some. */
    public List<Endpoint> endpoints() {
        return instances.all();
    }

    /**
     * Returns the instances calls are balanced over now: those neither ejected nor unhealthy, or all of them when
     * every one is out (panic: better a chance than a certain 503).
     */
    public List<Endpoint> availableEndpoints() {
        return instances.available();
    }

    /**
     * Returns the instances neither ejected nor unhealthy now; unlike {@link #availableEndpoints()}, empty when every
     * instance is out (what readiness and operators need to know).
     */
    public List<Endpoint> healthyEndpoints() {
        Instances.View view = instances.view();
        return view.panic() ? List.of() : view.available();
    }

    /** Returns the instances that outlier detection has ejected now (they return when their ejection ends). */
    public List<Endpoint> ejectedEndpoints() {
        return instances.out(true);
    }

    /** Returns the instances that fail their active health check now. */
    public List<Endpoint> unhealthyEndpoints() {
        return instances.out(false);
    }

    /** Returns the policy that chooses the instance of each call. */
    public LoadBalancer loadBalancer() {
        return loadBalancer;
    }

    /** Returns the passive health policy, or {@code null} for none. */
    public OutlierDetection outlierDetection() {
        return outlierDetection;
    }

    /** Returns the active health check, or {@code null} for none. */
    public HealthCheck healthCheck() {
        return healthCheck;
    }

    /** Returns where the instances come from, or {@code null} for the fixed list the builder was given. */
    public Discovery discovery() {
        return discovery;
    }

    /**
     * Chooses the instance for one attempt of a call: the load balancer's pick among the available instances (see
     * {@link #availableEndpoints()}) not in {@code tried}, or among all available ones when each has been tried.
     * Every call is followed by one attempt to the instance returned.
     *
     * @throws GatewayException 503 when the upstream has no instance at all (a discovery that has found none yet)
     */
    public Endpoint choose(Request request, Context context, Set<Endpoint> tried) {
        List<Endpoint> candidates = instances.available();
        if (candidates.isEmpty()) {
            throw GatewayException.serviceUnavailable("upstream " + name + " has no instances");
        }
        if (!tried.isEmpty()) {
            List<Endpoint> untried = new ArrayList<>(candidates.size());
            for (Endpoint endpoint : candidates) {
                if (!tried.contains(endpoint)) {
                    untried.add(endpoint);
                }
            }
            candidates = untried.isEmpty() ? candidates : untried;
        }
        return loadBalancer.choose(candidates, request, context);
    }

    /**
     * Returns the listeners that hear the outcome of every call to this upstream: its outlier detection and a
     * balancer that listens first, then those added to the builder.
     */
    public List<CallListener> listeners() {
        return listeners;
    }

    /** Returns the instances' state, for tests in this package. */
    Instances instances() {
        return instances;
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
        return "Upstream{" + name + ' ' + (discovery != null ? discovery + " " : "") + instances.all() + '}';
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
        private Discovery discovery;
        private OutlierDetection outlierDetection;
        private HealthCheck healthCheck;
        private LongSupplier nanos = System::nanoTime;

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

        /** Adds an instance by URL with a weight, for {@link LoadBalancer#weightedRoundRobin()} and the others that weigh. */
        public Builder instance(String url, int weight) {
            endpoints.add(Endpoint.of(URI.create(Objects.requireNonNull(url, "url"))).withWeight(weight));
            return this;
        }

        /** Finds the instances with this discovery instead of a fixed list (see {@link DnsDiscovery}). */
        public Builder discovery(Discovery discovery) {
            this.discovery = Objects.requireNonNull(discovery, "discovery");
            return this;
        }

        /** Ejects instances whose calls keep failing (passive health; default none). */
        public Builder outlierDetection(OutlierDetection outlierDetection) {
            this.outlierDetection = Objects.requireNonNull(outlierDetection, "outlierDetection");
            return this;
        }

        /** Checks every instance's health actively (default none). */
        public Builder healthCheck(HealthCheck healthCheck) {
            this.healthCheck = Objects.requireNonNull(healthCheck, "healthCheck");
            return this;
        }

        /** Sets the clock of ejections, in nanoseconds, for tests. */
        Builder nanos(LongSupplier nanos) {
            this.nanos = nanos;
            return this;
        }

        /**
         * Reads the time of its outlier ejections from this source (default {@link TimeSource#system()}): the state
         * of an upstream outlives requests and is shared by the gateways that use it, so it keeps the clock it is
         * built with; a test passes its {@code TestClock} to move ejections with the tester.
         */
        public Builder timeSource(TimeSource timeSource) {
            return nanos(Objects.requireNonNull(timeSource, "timeSource")::nanoTime);
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
            if (discovery != null && !endpoints.isEmpty()) {
                throw new IllegalStateException("upstream " + name + ": both instances and a discovery (expected: one)");
            }
            if (discovery == null && endpoints.isEmpty()) {
                throw new IllegalStateException("upstream " + name + ": no instances (expected: at least one)");
            }
            return new Upstream(this);
        }
    }
}
