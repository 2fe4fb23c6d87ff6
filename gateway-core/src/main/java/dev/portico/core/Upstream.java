package dev.portico.core;

import dev.portico.core.spi.Endpoint;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A named backend service with one or more instances, which requests to it are spread over in turn.
 *
 * <pre>{@code
 * Upstream users = Upstream.of("users", "http://10.0.0.7:8080", "http://10.0.0.8:8080");
 * }</pre>
 */
public final class Upstream {

    private final String name;
    private final List<Endpoint> endpoints;
    private final Endpoint[] ring;
    private final AtomicInteger next = new AtomicInteger();

    private Upstream(String name, List<Endpoint> endpoints) {
        this.name = name;
        this.endpoints = List.copyOf(endpoints);
        this.ring = endpoints.toArray(new Endpoint[0]);
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

    /** Returns the instance for the next request (round robin). */
    public Endpoint next() {
        Endpoint[] r = ring;
        return r.length == 1 ? r[0] : r[Math.floorMod(next.getAndIncrement(), r.length)];
    }

    @Override
    public String toString() {
        return "Upstream{" + name + ' ' + endpoints + '}';
    }

    /** A builder of {@link Upstream}. */
    public static final class Builder {

        private final String name;
        private final List<Endpoint> endpoints = new ArrayList<>();

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

        /** Returns the upstream. */
        public Upstream build() {
            if (endpoints.isEmpty()) {
                throw new IllegalStateException("upstream " + name + ": no instances (expected: at least one)");
            }
            return new Upstream(name, endpoints);
        }
    }
}
