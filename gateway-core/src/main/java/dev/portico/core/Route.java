package dev.portico.core;

import dev.portico.core.internal.Checks;
import dev.portico.core.internal.routing.PathPattern;
import dev.portico.core.resilience.RetryPolicy;
import dev.portico.core.resilience.UpstreamErrors;
import dev.portico.core.upstream.Upstream;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * An immutable rule that sends matching requests through its filters to its target, an upstream or a local handler.
 *
 * <p>A path pattern is literal segments, {@code {name}} captures of one whole segment, {@code *} for any one
 * segment and a final {@code **} for any rest, including none. When several routes match, the most specific wins:
 * at each segment a literal beats a capture, which beats {@code **}; among equally specific routes, the first
 * declared wins. A {@code GET} route also answers {@code HEAD}.
 *
 * <pre>{@code
 * Route route = Route.get("/api/users/{id}")
 *         .filter(Filters.rewritePath("/users/{id}"))
 *         .timeout(Duration.ofSeconds(2))
 *         .to(users)
 *         .build();
 * }</pre>
 */
public final class Route {

    private final String id;
    private final PathPattern pattern;
    private final Set<String> methods;
    private final List<Predicate<Request>> predicates;
    private final List<Filter> filters;
    private final Handler handler;
    private final Upstream upstream;
    private final Duration timeout;
    private final Duration connectTimeout;
    private final long maxBodySize;
    private final RetryPolicy retries;
    private final UpstreamErrors upstreamErrors;
    private final Map<String, Object> metadata;
    private final WebSocket webSocket;

    private Route(Builder b) {
        this.id = b.id != null ? b.id : defaultId(b);
        this.pattern = PathPattern.parse(b.pattern);
        this.methods = Set.copyOf(b.methods);
        this.predicates = List.copyOf(b.predicates);
        this.filters = List.copyOf(b.filters);
        this.upstream = b.upstream;
        this.handler = b.handler;
        this.timeout = b.timeout;
        this.connectTimeout = b.connectTimeout;
        this.maxBodySize = b.maxBodySize;
        this.retries = b.retries;
        this.upstreamErrors = b.upstreamErrors;
        this.metadata = Map.copyOf(b.metadata);
        this.webSocket = b.webSocket;
    }

    private static String defaultId(Builder b) {
        String id = (b.methods.isEmpty() ? "*" : String.join(",", b.methods)) + ' ' + b.pattern;
        return b.conditions.isEmpty() ? id : id + " [" + String.join(", ", b.conditions) + ']';
    }

    /** Returns a builder for a route matching {@code GET} (and {@code HEAD}) on this path pattern. */
    public static Builder get(String pattern) {
        return any(pattern).methods("GET");
    }

    /** Returns a builder for a route matching {@code POST} on this path pattern. */
    public static Builder post(String pattern) {
        return any(pattern).methods("POST");
    }

    /** Returns a builder for a route matching {@code PUT} on this path pattern. */
    public static Builder put(String pattern) {
        return any(pattern).methods("PUT");
    }

    /** Returns a builder for a route matching {@code PATCH} on this path pattern. */
    public static Builder patch(String pattern) {
        return any(pattern).methods("PATCH");
    }

    /** Returns a builder for a route matching {@code DELETE} on this path pattern. */
    public static Builder delete(String pattern) {
        return any(pattern).methods("DELETE");
    }

    /** Returns a builder for a route matching any method on this path pattern; narrow it with {@code methods}. */
    public static Builder any(String pattern) {
        return new Builder(pattern);
    }

    /**
     * Returns the id, unique within a gateway; by default the methods, the pattern and the conditions, such as
     * {@code GET /a/{id}} or {@code GET /a [host=api.example.com, header X-Api-Version=2]}.
     */
    public String id() {
        return id;
    }

    /** Returns the path pattern as written. */
    public String pattern() {
        return pattern.text();
    }

    /** Returns the methods this route matches; empty for any. */
    public Set<String> methods() {
        return methods;
    }

    /** Returns the filters, outermost first. */
    public List<Filter> filters() {
        return filters;
    }

    /** Returns the local handler that answers, or {@code null} for a route that proxies to {@link #upstream()}. */
    public Handler handler() {
        return handler;
    }

    /** Returns the upstream this route proxies to, or {@code null} for a local handler. */
    public Upstream upstream() {
        return upstream;
    }

    /** Returns the upstream response timeout, or {@code null} for the gateway's default. */
    public Duration timeout() {
        return timeout;
    }

    /** Returns the upstream connect timeout, or {@code null} for the gateway's default. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** Returns the largest request body accepted, in bytes, or {@code -1} for the gateway's default. */
    public long maxBodySize() {
        return maxBodySize;
    }

    /** Returns how upstream calls are retried, or {@code null} for no retries. */
    public RetryPolicy retries() {
        return retries;
    }

    /** Returns what the route does with its upstream's 5xx responses. */
    public UpstreamErrors upstreamErrors() {
        return upstreamErrors;
    }

    /** Returns the metadata, for filters and operators. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** Returns how WebSocket upgrades are proxied, or {@code null} when the route does not accept them. */
    public WebSocket webSocket() {
        return webSocket;
    }

    /** Returns whether this route accepts the method; {@code HEAD} is accepted wherever {@code GET} is. */
    public boolean allows(String method) {
        return methods.isEmpty() || methods.contains(method) || (method.equals("HEAD") && methods.contains("GET"));
    }

    /** Returns whether every predicate other than the path and the method holds for the request. */
    public boolean matchesConditions(Request request) {
        for (int i = 0; i < predicates.size(); i++) {
            if (!predicates.get(i).test(request)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "Route{" + id + '}';
    }

    /** A builder of {@link Route}; {@link #build()} validates it. */
    public static final class Builder {

        private final String pattern;
        private String id;
        private final Set<String> methods = new LinkedHashSet<>();
        private final List<Predicate<Request>> predicates = new ArrayList<>();
        private final List<String> conditions = new ArrayList<>();
        private final List<Filter> filters = new ArrayList<>();
        private Handler handler;
        private Upstream upstream;
        private Duration timeout;
        private Duration connectTimeout;
        private long maxBodySize = -1;
        private RetryPolicy retries;
        private UpstreamErrors upstreamErrors = UpstreamErrors.PASS_THROUGH;
        private final Map<String, Object> metadata = new LinkedHashMap<>();
        private WebSocket webSocket;

        private Builder(String pattern) {
            this.pattern = Objects.requireNonNull(pattern, "pattern");
        }

        /** Sets the id, unique within a gateway. */
        public Builder id(String id) {
            this.id = Objects.requireNonNull(id, "id");
            return this;
        }

        /** Sets the methods this route matches, replacing any set before. */
        public Builder methods(String... methods) {
            this.methods.clear();
            for (String method : methods) {
                this.methods.add(dev.portico.core.internal.http.Paths.method(method));
            }
            return this;
        }

        /** Matches only this host (the {@code Host} header without port); {@code *.example.com} matches subdomains. */
        public Builder host(String host) {
            String expected = Objects.requireNonNull(host, "host").toLowerCase(Locale.ROOT);
            boolean wildcard = expected.startsWith("*.");
            String suffix = expected.substring(1);
            return condition("host=" + expected, request -> {
                String actual = hostOf(request);
                return actual != null && (wildcard ? actual.endsWith(suffix) && actual.length() > suffix.length()
                        : actual.equals(expected));
            });
        }

        /** Matches only requests that carry this header. */
        public Builder header(String name) {
            Objects.requireNonNull(name, "name");
            return condition("header " + name, request -> request.headers().contains(name));
        }

        /** Matches only requests whose header has exactly this value (any of its values, for a repeated header). */
        public Builder header(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            return condition("header " + name + '=' + value, request -> request.headers().getAll(name).contains(value));
        }

        /** Matches only requests whose query has this parameter. */
        public Builder query(String name) {
            Objects.requireNonNull(name, "name");
            return condition("query " + name, request -> request.queryParam(name) != null);
        }

        /** Matches only requests whose query parameter has exactly this decoded value. */
        public Builder query(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            return condition("query " + name + '=' + value, request -> request.queryParams(name).contains(value));
        }

        /**
         * Matches only requests for which this predicate holds; it must be fast and must not block. Routes that
         * differ only by such predicates need an explicit {@link #id}.
         */
        public Builder matching(Predicate<Request> predicate) {
            return condition("matching", Objects.requireNonNull(predicate, "predicate"));
        }

        /** Appends a filter; filters run in the order added, inside the gateway's global filters. */
        public Builder filter(Filter filter) {
            filters.add(Objects.requireNonNull(filter, "filter"));
            return this;
        }

        /** Appends several filters, in order. */
        public Builder filters(Filter... filters) {
            for (Filter filter : filters) {
                filter(filter);
            }
            return this;
        }

        /** Proxies matching requests to this upstream. */
        public Builder to(Upstream upstream) {
            this.upstream = Objects.requireNonNull(upstream, "upstream");
            this.handler = null;
            return this;
        }

        /** Answers matching requests with this local handler. */
        public Builder handler(Handler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
            this.upstream = null;
            return this;
        }

        /**
         * Sets the upstream response timeout: for each call, how long from the end of its request body to the
         * upstream's response head; a later head gets 504. With {@link #retries retries}, it bounds the whole call:
         * every attempt and backoff together.
         */
        public Builder timeout(Duration timeout) {
            this.timeout = Checks.positive(timeout, "timeout");
            return this;
        }

        /** Sets how long to wait for a connection to the upstream; a later one gets 504. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Checks.positive(connectTimeout, "connectTimeout");
            return this;
        }

        /** Sets the largest request body accepted, in bytes, streamed or buffered; a larger one gets 413. */
        public Builder maxBodySize(long bytes) {
            this.maxBodySize = Checks.notNegative(bytes, "maxBodySize");
            return this;
        }

        /**
         * Retries the calls of this route (and of {@code Context.send} in its handler) by this policy: on connect
         * failures, resets, timeouts and the policy's statuses, on another instance, within the route's timeout and
         * the upstream's retry budget.
         */
        public Builder retries(RetryPolicy retries) {
            this.retries = Objects.requireNonNull(retries, "retries");
            return this;
        }

        /**
         * Sets what a proxy route does with its upstream's 5xx responses once retries are over: pass them through
         * (the default) or replace them with the gateway's 502 JSON.
         */
        public Builder upstreamErrors(UpstreamErrors upstreamErrors) {
            this.upstreamErrors = Objects.requireNonNull(upstreamErrors, "upstreamErrors");
            return this;
        }

        /** Accepts WebSocket upgrades with the {@linkplain WebSocket#defaults() default} limits. */
        public Builder webSocket() {
            return webSocket(WebSocket.defaults());
        }

        /**
         * Accepts WebSocket upgrades: the handshake runs through the route's filters like any request and goes to the
         * upstream with its {@code Upgrade}; once the upstream switches protocols, frames are relayed both ways
         * within these limits. A refused upgrade is an ordinary response, passed through. Requests without an
         * upgrade are proxied as usual.
         */
        public Builder webSocket(WebSocket options) {
            this.webSocket = Objects.requireNonNull(options, "options");
            return this;
        }

        /** Adds a metadata entry. */
        public Builder metadata(String key, Object value) {
            metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Returns the route, or throws {@link IllegalArgumentException} naming what is wrong. */
        public Route build() {
            if (handler == null && upstream == null) {
                throw new IllegalArgumentException("route " + (id != null ? id : pattern)
                        + ": no target (expected: to(upstream) or handler(handler))");
            }
            if (webSocket != null && upstream == null) {
                throw new IllegalArgumentException("route " + (id != null ? id : pattern)
                        + ": webSocket needs an upstream (expected: to(upstream))");
            }
            try {
                return new Route(this);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("route " + (id != null ? id : pattern) + ": " + e.getMessage(), e);
            }
        }

        private Builder condition(String description, Predicate<Request> predicate) {
            conditions.add(description);
            predicates.add(predicate);
            return this;
        }

        private static String hostOf(Request request) {
            String host = request.header("Host");
            if (host == null) {
                return null;
            }
            int colon = host.lastIndexOf(':');
            if (colon > host.lastIndexOf(']')) {
                host = host.substring(0, colon);
            }
            return host.toLowerCase(Locale.ROOT);
        }
    }
}
