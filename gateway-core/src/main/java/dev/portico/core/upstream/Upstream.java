package dev.portico.core.upstream;

import dev.portico.core.Context;
import dev.portico.core.Request;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

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

    private Upstream(Builder b) {
        this.name = b.name;
        this.endpoints = List.copyOf(b.endpoints);
        this.loadBalancer = b.loadBalancer != null ? b.loadBalancer : LoadBalancer.roundRobin();
        this.listeners = List.copyOf(b.listeners);
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

    @Override
    public String toString() {
        return "Upstream{" + name + ' ' + endpoints + '}';
    }

    /** A builder of {@link Upstream}. */
    public static final class Builder {

        private final String name;
        private final List<Endpoint> endpoints = new ArrayList<>();
        private final List<CallListener> listeners = new ArrayList<>();
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

        /** Returns the upstream. */
        public Upstream build() {
            if (endpoints.isEmpty()) {
                throw new IllegalStateException("upstream " + name + ": no instances (expected: at least one)");
            }
            return new Upstream(this);
        }
    }
}
