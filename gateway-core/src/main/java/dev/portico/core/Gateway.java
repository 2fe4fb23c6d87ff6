package dev.portico.core;

import dev.portico.core.aggregate.Aggregator;
import dev.portico.core.aggregate.Part;
import dev.portico.core.auth.IdentityHeaders;
import dev.portico.core.internal.Checks;
import dev.portico.core.internal.ConcurrencyLimit;
import dev.portico.core.internal.CoreAccess;
import dev.portico.core.internal.http.HeadLimits;
import dev.portico.core.internal.http.Paths;
import dev.portico.core.internal.http.ProxyHeaders;
import dev.portico.core.internal.http.TrustedProxies;
import dev.portico.core.internal.pipeline.Pipeline;
import dev.portico.core.internal.routing.Router;
import dev.portico.core.observe.AccessLog;
import dev.portico.core.observe.RequestIds;
import dev.portico.core.observe.Telemetry;
import dev.portico.core.spi.GatewayExchange;
import dev.portico.core.spi.UpstreamClient;
import dev.portico.core.upstream.CallListener;
import dev.portico.core.upstream.Endpoint;
import dev.portico.core.upstream.Upstream;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * An immutable gateway description: routes, global filters and limits, frozen by {@link Builder#build()} and then
 * bound to a server by an adapter (such as {@code PorticoServer} in gateway-undertow).
 *
 * <pre>{@code
 * Upstream users = Upstream.of("users", "http://127.0.0.1:8081");
 * Gateway gateway = Gateway.builder()
 *         .route(Route.get("/api/users/{id}").to(users))
 *         .build();
 * }</pre>
 */
public final class Gateway implements AutoCloseable {


    private final List<Route> routes;
    private final List<Filter> filters;
    private final Filter[] edgeFilters;
    private final List<CallListener> callListeners;
    private final List<AutoCloseable> resources;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<AutoCloseable> leases = new ArrayList<>(); // guarded by itself
    private final List<Upstream> upstreams;
    private final Router router;
    private final Duration connectTimeout;
    private final Duration timeout;
    private final long maxBodySize;
    private final int maxHeaderSize;
    private final int maxConcurrentRequests;
    private final Duration idleTimeout;
    private final Duration requestHeaderTimeout;
    private final int maxHeaderCount;
    private final int maxResponseHeaderSize;
    private final Duration bodyIdleTimeout;
    private final int maxIdleConnections;
    private final Duration idleConnectionTimeout;
    private final TrustedProxies trustedProxies;
    private final List<String> clientIpHeaders;
    private final List<String> overrideHeaders;
    /** The client IP headers, as the edge matches them. */
    private final ProxyHeaders.Names clientIpNames;
    /** The identity and override headers, removed from every request in one pass. */
    private final ProxyHeaders.Names stripped;
    private final List<String> identityHeaders;
    private final Telemetry telemetry;
    private final RequestIds requestIds;
    private final TimeSource timeSource;

    private Gateway(Builder b) {
        this.routes = List.copyOf(b.routes);
        this.filters = List.copyOf(b.filters);
        this.edgeFilters = b.edgeFilters.toArray(new Filter[0]);
        this.callListeners = List.copyOf(b.callListeners);
        this.resources = List.copyOf(b.resources);
        this.router = new Router(routes, filters);
        this.upstreams = upstreams(routes);
        this.connectTimeout = b.connectTimeout;
        this.timeout = b.timeout;
        this.maxBodySize = b.maxBodySize;
        this.maxHeaderSize = b.maxHeaderSize;
        this.maxConcurrentRequests = b.maxConcurrentRequests > 0 ? b.maxConcurrentRequests : ConcurrencyLimit.forThisProcess();
        this.idleTimeout = b.idleTimeout;
        this.requestHeaderTimeout = b.requestHeaderTimeout;
        this.maxHeaderCount = b.maxHeaderCount;
        this.maxResponseHeaderSize = b.maxResponseHeaderSize;
        this.bodyIdleTimeout = b.bodyIdleTimeout;
        this.maxIdleConnections = b.maxIdleConnections;
        this.idleConnectionTimeout = b.idleConnectionTimeout;
        this.trustedProxies = new TrustedProxies(b.trustedProxies);
        this.clientIpHeaders = b.clientIpHeaders;
        this.identityHeaders = identityHeaders(b);
        this.overrideHeaders = b.overrideHeaders;
        List<String> strip = new ArrayList<>(identityHeaders);
        strip.addAll(overrideHeaders);
        this.stripped = ProxyHeaders.Names.of(strip);
        this.clientIpNames = ProxyHeaders.Names.of(clientIpHeaders);
        this.telemetry = b.telemetry;
        this.requestIds = b.requestIds;
        this.timeSource = b.timeSource;
    }

    /** Returns a new builder. */
    public static Builder builder() {
        return new Builder();
    }

    static {
        CoreAccess.gateways(new CoreAccess.GatewayAccess() {
            @Override
            public GatewayExchange exchange(Gateway gateway, Request request, InetSocketAddress peer,
                                            InetSocketAddress local, UpstreamClient client, GatewayException refusal,
                                            TimeSource time) {
                TimeSource t = time != null ? time : gateway.timeSource;
                return refusal == null
                        ? gateway.exchange(request, peer, local, client, t)
                        : gateway.refuse(request, peer, local, client, refusal, t);
            }

            @Override
            public void serve(Gateway gateway, UpstreamClient client, Consumer<Endpoint> retired) {
                gateway.serve(client, retired);
            }

            @Override
            public boolean routesTo(Gateway gateway, Endpoint endpoint) {
                return gateway.routesTo(endpoint);
            }
        });
    }

    /** Returns the upstreams of the routes and of their aggregations, each once, in route order. */
    private static List<Upstream> upstreams(List<Route> routes) {
        Set<Upstream> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Upstream> upstreams = new ArrayList<>();
        for (Route route : routes) {
            if (route.upstream() != null && seen.add(route.upstream())) {
                upstreams.add(route.upstream());
            }
            if (route.handler() instanceof Aggregator aggregator) {
                for (Part part : aggregator.parts().values()) {
                    if (part.upstream() != null && seen.add(part.upstream())) {
                        upstreams.add(part.upstream());
                    }
                }
            }
        }
        return List.copyOf(upstreams);
    }

    /** Returns whether one of the upstreams this gateway routes to has this instance now. */
    private boolean routesTo(Endpoint endpoint) {
        for (Upstream upstream : upstreams) {
            if (upstream.endpoints().contains(endpoint)) {
                return true;
            }
        }
        return false;
    }

    /** Leases the upstreams of the routes and of their aggregations, until {@link #close()}. */
    private void serve(UpstreamClient client, Consumer<Endpoint> retired) {
        synchronized (leases) {
            if (closed.get()) {
                return;
            }
            for (Upstream upstream : upstreams) {
                leases.add(CoreAccess.upstreams().retain(upstream, client, retired));
            }
        }
    }

    /**
     * Starts one client request: the request is cleaned of what an untrusted client may not say, its path is
     * checked, then the edge filters run around routing, the route's filters and its target. Any failure becomes
     * the JSON error response.
     */
    private GatewayExchange exchange(Request request, InetSocketAddress peer, InetSocketAddress local,
                                     UpstreamClient client, TimeSource time) {
        GatewayException refusal = null;
        try {
            if (request.method().equals("CONNECT")) {
                // its target is an authority, not a path: a reverse proxy has nothing to route and opens no tunnels
                throw GatewayException.badRequest("CONNECT is not supported");
            }
            String canonical = Paths.canonical(request.rawPath());
            if (!canonical.equals(request.path())) {
                request = request.toBuilder().paths(request.rawPath(), canonical).build();
            }
        } catch (GatewayException e) {
            refusal = e;
        }
        return refuse(request, peer, local, client, refusal, time);
    }

    /**
     * Runs a request refused before routing through the edge filters; a {@code null} refusal runs it normally, unless
     * its head is over the limits (414, 431).
     */
    private GatewayExchange refuse(Request request, InetSocketAddress peer, InetSocketAddress local,
                                   UpstreamClient client, GatewayException refusal, TimeSource time) {
        Pipeline exchange = new Pipeline(this, router, trustedProxies, peer, local, client, time);
        GatewayException head = HeadLimits.refusal(this, request);
        if (head != null) {
            if (head.status() == 431) { // the filters see no part of an oversized head
                request = request.toBuilder().headers(Headers.empty()).body(Body.empty()).build();
            }
            refusal = refusal != null ? refusal : head;
        }
        try {
            request = ProxyHeaders.stripUntrusted(request, peer, trustedProxies, clientIpNames);
            request = ProxyHeaders.stripIdentity(request, stripped);
            request = ProxyHeaders.stripConnectionOptions(request);
        } catch (RuntimeException e) {
            refusal = refusal != null ? refusal : GatewayException.badRequest("the request headers could not be read");
        }
        return exchange.start(edgeFilters, request, refusal);
    }

    /** Returns the routes in declaration order. */
    public List<Route> routes() {
        return routes;
    }

    /** Returns the edge filters, outermost first: they run for every request, before routing. */
    public List<Filter> edgeFilters() {
        return List.of(edgeFilters);
    }

    /**
     * Closes the resources the gateway owns, last added first, once; what one throws is logged and the others are
     * still closed, and stops the discovery and health checks of its upstreams unless another served gateway uses
     * them. The server adapter that serves the gateway calls this when it stops or swaps it out.
     */
    @Override
    public void close() {
        synchronized (leases) {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
        }
        for (AutoCloseable lease : leases) {
            try {
                lease.close();
            } catch (Exception e) {
                System.getLogger(Gateway.class.getName()).log(System.Logger.Level.WARNING, "an upstream lease failed to close", e);
            }
        }
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                System.getLogger(Gateway.class.getName()).log(System.Logger.Level.WARNING,
                        "a gateway resource failed to close: " + resources.get(i), e);
            }
        }
    }

    /** Returns the listeners that hear the outcome of every upstream call, whatever the upstream. */
    public List<CallListener> callListeners() {
        return callListeners;
    }

    /** Returns the upstreams its routes proxy to and their aggregations call, each once, in route order. */
    public List<Upstream> upstreams() {
        return upstreams;
    }

    /** Returns the telemetry this gateway reports its spans and metrics to, or {@code null} when it has none. */
    public Telemetry telemetry() {
        return telemetry;
    }

    /** Returns the global filters, outermost first. */
    public List<Filter> filters() {
        return filters;
    }

    /** Returns the default upstream connect timeout. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** Returns the default upstream response timeout: per call, from the end of its request body to its head. */
    public Duration timeout() {
        return timeout;
    }

    /** Returns the default largest request body, in bytes. */
    public long maxBodySize() {
        return maxBodySize;
    }

    /** Returns the largest request body the route accepts, in bytes. */
    public long maxBodySize(Route route) {
        return route.maxBodySize() >= 0 ? route.maxBodySize() : maxBodySize;
    }

    /** Returns the largest request head (request line and headers) accepted, in bytes. */
    public int maxHeaderSize() {
        return maxHeaderSize;
    }

    /** Returns how many requests may be in flight at once before new ones get 503. */
    public int maxConcurrentRequests() {
        return maxConcurrentRequests;
    }

    /** Returns how long a client connection may stay idle before it is closed. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** Returns how long a client may take to send a request's head. */
    public Duration requestHeaderTimeout() {
        return requestHeaderTimeout;
    }

    /** Returns how many header fields a request may have. */
    public int maxHeaderCount() {
        return maxHeaderCount;
    }

    /** Returns the largest upstream response head (status line and headers) accepted, in bytes. */
    public int maxResponseHeaderSize() {
        return maxResponseHeaderSize;
    }

    /** Returns the longest pause allowed between the bytes of an upstream's response body. */
    public Duration bodyIdleTimeout() {
        return bodyIdleTimeout;
    }

    /** Returns how many idle keep-alive connections are kept per upstream endpoint. */
    public int maxIdleConnections() {
        return maxIdleConnections;
    }

    /** Returns how long an idle pooled upstream connection is kept before it is closed. */
    public Duration idleConnectionTimeout() {
        return idleConnectionTimeout;
    }

    /** Returns the headers naming the client's IP address that are removed unless the peer is a trusted proxy. */
    public List<String> clientIpHeaders() {
        return clientIpHeaders;
    }

    /**
     * Returns the headers that ask a backend to take another URL or method than the request's, which are removed
     * from every incoming request before any filter runs.
     */
    public List<String> overrideHeaders() {
        return overrideHeaders;
    }

    /**
     * Returns the identity headers removed from every incoming request before any filter runs: those named with
     * {@link Builder#identityHeaders} and those every {@link IdentityHeaders} filter (edge, global or route) sets.
     */
    public List<String> identityHeaders() {
        return identityHeaders;
    }

    /** Returns how requests are identified (by default in {@code X-Request-Id}). */
    public RequestIds requestIds() {
        return requestIds;
    }

    /** Returns the clock and timer its requests read and schedule by ({@link TimeSource#system()} by default). */
    public TimeSource timeSource() {
        return timeSource;
    }

    private static List<String> identityHeaders(Builder b) {
        Set<String> names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        names.addAll(b.identityHeaders);
        List<Filter> all = new ArrayList<>(b.edgeFilters);
        all.addAll(b.filters);
        for (Route route : b.routes) {
            all.addAll(route.filters());
        }
        for (Filter filter : all) {
            if (filter instanceof IdentityHeaders setter) {
                names.addAll(setter.identityHeaders());
            }
        }
        return List.copyOf(names);
    }

    /** A builder of {@link Gateway}; {@link #build()} validates the whole description. */
    public static final class Builder {

        private final List<Route> routes = new ArrayList<>();
        private final List<Filter> filters = new ArrayList<>();
        private final List<Filter> edgeFilters = new ArrayList<>();
        private final List<CallListener> callListeners = new ArrayList<>();
        private final List<AutoCloseable> resources = new ArrayList<>();
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration timeout = Duration.ofSeconds(30);
        private long maxBodySize = 1024 * 1024;
        private int maxHeaderSize = 16 * 1024;
        private int maxConcurrentRequests; // 0: derived from the file limit at build()
        private Duration idleTimeout = Duration.ofSeconds(60);
        private Duration requestHeaderTimeout = Duration.ofSeconds(10);
        private int maxHeaderCount = 100;
        private int maxResponseHeaderSize = 64 * 1024;
        private Duration bodyIdleTimeout = Duration.ofSeconds(60);
        private int maxIdleConnections = 256;
        private Duration idleConnectionTimeout = Duration.ofSeconds(4);
        private final List<String> trustedProxies = new ArrayList<>();
        private final List<String> identityHeaders = new ArrayList<>();
        private Telemetry telemetry;
        private RequestIds requestIds = RequestIds.defaults();
        private TimeSource timeSource = TimeSource.system();
        private List<String> overrideHeaders = List.of("X-Original-URL", "X-Rewrite-URL", "X-Override-URL",
                "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override");
        private List<String> clientIpHeaders = List.of("X-Real-IP", "X-Client-IP", "True-Client-IP", "CF-Connecting-IP",
                "X-Cluster-Client-IP", "Fastly-Client-IP");

        private Builder() {
        }

        /** Adds a route. */
        public Builder route(Route route) {
            routes.add(Objects.requireNonNull(route, "route"));
            return this;
        }

        /** Builds and adds a route. */
        public Builder route(Route.Builder route) {
            return route(route.build());
        }

        /**
         * Appends an edge filter. Edge filters run for every request before routing, in the order added, outermost
         * first, and see every answer: the gateway's own 400, 404, 405, the adapter's 413, 414, 431 and 503, and
         * what routes answer. {@code context.route()} is {@code null} until {@code chain.proceed} has routed.
         * CORS preflights, IP rules, request ids, access logs and server spans belong here.
         */
        public Builder edgeFilter(Filter filter) {
            edgeFilters.add(Objects.requireNonNull(filter, "filter"));
            return this;
        }

        /**
         * Hands the gateway a resource to close with it (a key refresher, a Redis client, a gRPC channel, a health
         * timer): {@link Gateway#close()} closes them, last added first.
         */
        public Builder resource(AutoCloseable resource) {
            resources.add(Objects.requireNonNull(resource, "resource"));
            return this;
        }

        /**
         * Names headers that carry the caller's identity to services (such as {@code X-User-Id}): they are removed
         * from every incoming request, on every route, before any filter runs, so only the gateway sets them. Filters
         * that implement {@link IdentityHeaders} add theirs without being named here.
         */
        public Builder identityHeaders(String... names) {
            for (String name : names) {
                identityHeaders.add(Objects.requireNonNull(name, "name"));
            }
            return this;
        }

        /** Adds a listener that hears the outcome of every upstream call attempt (spans, metrics). */
        public Builder callListener(CallListener listener) {
            callListeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Appends a global filter; global filters run in the order added, around every route's own filters. */
        public Builder filter(Filter filter) {
            filters.add(Objects.requireNonNull(filter, "filter"));
            return this;
        }

        /** Sets the default upstream connect timeout (default 5 s). */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Checks.positive(connectTimeout, "connectTimeout");
            return this;
        }

        /**
         * Sets the default upstream response timeout (default 30 s): it bounds each upstream call from the end of its
         * request body to the upstream's response head, so a slow upload is not held against it and a retry gets it
         * whole; a later head gets 504.
         */
        public Builder timeout(Duration timeout) {
            this.timeout = Checks.positive(timeout, "timeout");
            return this;
        }

        /** Sets the default largest request body in bytes, streamed or buffered (default 1 MiB); larger gets 413. */
        public Builder maxBodySize(long bytes) {
            this.maxBodySize = Checks.notNegative(bytes, "maxBodySize");
            return this;
        }

        /** Sets the largest request head in bytes (default 16 KiB); larger gets 431. */
        public Builder maxHeaderSize(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("maxHeaderSize: " + bytes + " (expected: >= 1024)");
            }
            this.maxHeaderSize = bytes;
            return this;
        }

        /**
         * Sets how many requests may be in flight at once; more get 503 at once. The default is derived from the
         * process's file descriptor limit, so that it is reached before the descriptors run out: a third of the limit
         * less a reserve of 512 (a quarter of a smaller limit), at most 10,000; 6,496 at a limit of 20,000.
         */
        public Builder maxConcurrentRequests(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("maxConcurrentRequests: " + count + " (expected: > 0)");
            }
            this.maxConcurrentRequests = count;
            return this;
        }

        /**
         * Sets how long a client connection may stay idle, between requests or between the bytes of a request body
         * (default 60 s).
         */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = Checks.positive(idleTimeout, "idleTimeout");
            return this;
        }

        /** Sets how long a client may take to send a request's head (default 10 s), against slow-header attacks. */
        public Builder requestHeaderTimeout(Duration requestHeaderTimeout) {
            this.requestHeaderTimeout = Checks.positive(requestHeaderTimeout, "requestHeaderTimeout");
            return this;
        }

        /** Sets how many header fields a request may have (default 100); more gets 431. */
        public Builder maxHeaderCount(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("maxHeaderCount: " + count + " (expected: > 0)");
            }
            this.maxHeaderCount = count;
            return this;
        }

        /**
         * Sets the largest upstream response head, status line and headers, in bytes (default 64 KiB); a larger one
         * fails the call with 502 and its connection is closed.
         */
        public Builder maxResponseHeaderSize(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("maxResponseHeaderSize: " + bytes + " (expected: >= 1024)");
            }
            this.maxResponseHeaderSize = bytes;
            return this;
        }

        /**
         * Sets the longest pause between the bytes of an upstream's response body (default 60 s); after it the
         * upstream connection is closed, and the client's too once its response has started (else it gets 504).
         */
        public Builder bodyIdleTimeout(Duration bodyIdleTimeout) {
            this.bodyIdleTimeout = Checks.positive(bodyIdleTimeout, "bodyIdleTimeout");
            return this;
        }

        /**
         * Sets how many idle keep-alive connections are kept per upstream endpoint (default 256); 0 keeps none. Fewer
         * than the requests in flight to one endpoint means a new connection for each request beyond them.
         */
        public Builder maxIdleConnections(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("maxIdleConnections: " + count + " (expected: >= 0)");
            }
            this.maxIdleConnections = count;
            return this;
        }

        /**
         * Sets how long an idle pooled upstream connection is kept (default 4 s): shorter than the keep-alive
         * timeouts of common servers (5 s and up), so the gateway closes an idle connection before the upstream does.
         */
        public Builder idleConnectionTimeout(Duration idleConnectionTimeout) {
            this.idleConnectionTimeout = Checks.positive(idleConnectionTimeout, "idleConnectionTimeout");
            return this;
        }

        /**
         * Trusts these proxies (IP addresses or CIDR blocks such as {@code 10.0.0.0/8}) to report the client in
         * {@code X-Forwarded-*} and {@code Forwarded}; from any other peer those headers are replaced.
         */
        public Builder trustedProxies(String... addressesOrCidrs) {
            for (String entry : addressesOrCidrs) {
                TrustedProxies.parse(Objects.requireNonNull(entry, "trusted proxy"));
                trustedProxies.add(entry);
            }
            return this;
        }

        /**
         * Sets the headers that name the client's IP address, which the gateway removes from a request as it
         * arrives, before any filter, unless the peer is a trusted proxy (default {@code X-Real-IP},
         * {@code X-Client-IP}, {@code True-Client-IP}, {@code CF-Connecting-IP}, {@code X-Cluster-Client-IP},
         * {@code Fastly-Client-IP}); none removes none. The forwarding headers are always handled this way.
         */
        public Builder clientIpHeaders(String... names) {
            for (String name : names) {
                Headers.of(Objects.requireNonNull(name, "client IP header"), ""); // throws unless an HTTP token
            }
            this.clientIpHeaders = List.of(names);
            return this;
        }

        /**
         * Sets the headers that ask a backend for another URL or method than the request's, which the gateway
         * removes from every request as it arrives, before any filter, whoever the peer is (default
         * {@code X-Original-URL}, {@code X-Rewrite-URL}, {@code X-Override-URL}, {@code X-HTTP-Method-Override},
         * {@code X-HTTP-Method}, {@code X-Method-Override}): frameworks that honour them (IIS, Symfony, Laravel,
         * some Java and Node stacks) would serve a path or method the gateway's routes and filters never saw. None
         * removes none; a filter may set them.
         */
        public Builder overrideHeaders(String... names) {
            for (String name : names) {
                Headers.of(Objects.requireNonNull(name, "override header"), ""); // throws unless an HTTP token
            }
            this.overrideHeaders = List.of(names);
            return this;
        }

        /**
         * Reports through OpenTelemetry (default none, which costs nothing): a server span per request, a client span
         * per upstream attempt with the trace context propagated to the upstream, and the HTTP and gateway metrics.
         */
        public Builder telemetry(Telemetry telemetry) {
            this.telemetry = Objects.requireNonNull(telemetry, "telemetry");
            return this;
        }

        /**
         * Sets how requests are identified (default {@link RequestIds#defaults()}: {@code X-Request-Id}, kept from the
         * client when sane, generated otherwise, passed upstream, set on the response and in every JSON error as
         * {@code requestId}); {@link RequestIds#disabled()} turns ids off.
         */
        public Builder requestIds(RequestIds requestIds) {
            this.requestIds = Objects.requireNonNull(requestIds, "requestIds");
            return this;
        }

        /**
         * Sets the clock and timer that requests read and schedule by (default {@link TimeSource#system()}): their
         * durations, token expiry, local rate-limit refills, route and aggregation timeouts, retry backoff. A test
         * sets a controllable one to move time without sleeping.
         */
        public Builder timeSource(TimeSource timeSource) {
            this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
            return this;
        }

        /**
         * Writes one JSON line per request to this access log: adds it as an edge filter, outermost among those added
         * after it, and as a resource, so that closing the gateway stops its writer thread once its queue is written.
         */
        public Builder accessLog(AccessLog accessLog) {
            edgeFilter(accessLog);
            return resource(accessLog);
        }

        /** Returns the gateway, or throws {@link IllegalArgumentException} naming the first problem found. */
        public Gateway build() {
            Set<String> ids = new HashSet<>();
            Map<String, Route> seen = new LinkedHashMap<>();
            for (Route route : routes) {
                if (!ids.add(route.id())) {
                    throw new IllegalArgumentException("route id: " + route.id() + " (expected: unique, but "
                            + seen.get(route.id()).pattern() + " has it too)");
                }
                seen.put(route.id(), route);
            }
            return new Gateway(this);
        }
    }
}
