package dev.portico.core.observe;

import dev.portico.core.Gateway;
import dev.portico.core.Handler;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.aggregate.Aggregator;
import dev.portico.core.aggregate.Part;
import dev.portico.core.resilience.CircuitBreaker;
import dev.portico.core.upstream.Endpoint;
import dev.portico.core.upstream.Upstream;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Operators' endpoints: liveness {@code GET /health} (200 while the process serves), readiness {@code GET /ready}
 * (503 while the bound server drains or while a required upstream has no healthy instance), and JSON listings of the
 * served gateway's routes ({@code GET /admin/routes}) and upstream state ({@code GET /admin/upstreams}). Mount its
 * {@link #routes()} in a gateway, or serve it on a listener of its own with {@code PorticoServer.Builder.admin}.
 *
 * <pre>{@code
 * Admin admin = Admin.builder().requiredUpstream(users).build();
 * PorticoServer server = PorticoServer.builder(gateway).admin(admin, 9090).start();
 * }</pre>
 */
public final class Admin {

    /** The liveness path. */
    public static final String HEALTH = "/health";
    /** The readiness path. */
    public static final String READY = "/ready";
    /** The route listing's path. */
    public static final String ROUTES = "/admin/routes";
    /** The upstream state's path. */
    public static final String UPSTREAMS = "/admin/upstreams";

    private final List<Upstream> required;
    private volatile Supplier<Gateway> served = () -> null;
    private volatile BooleanSupplier serving = () -> true;

    private Admin(Builder b) {
        this.required = List.copyOf(b.required);
    }

    /** Returns a builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the admin to what it reports on: the gateway served now (read at each request, so a swap shows) and
     * whether its server wants traffic (such as {@code PorticoServer::ready}, false from the start of a stop).
     * {@code PorticoServer.Builder.admin} binds it; bind it yourself when you mount {@link #routes()} elsewhere.
     * Unbound, readiness depends on the required upstreams only and the listings are empty.
     */
    public void bind(Supplier<Gateway> gateway, BooleanSupplier ready) {
        this.served = Objects.requireNonNull(gateway, "gateway");
        this.serving = Objects.requireNonNull(ready, "ready");
    }

    /** Returns the upstreams that readiness requires to have a healthy instance. */
    public List<Upstream> requiredUpstreams() {
        return required;
    }

    /** Returns the admin routes: liveness, readiness, the route listing and the upstream state. */
    public List<Route> routes() {
        return List.of(
                Route.get(HEALTH).id("portico.health")
                        .handler(Handler.sync((request, context) -> Response.json(200, "{\"status\":\"up\"}"))).build(),
                Route.get(READY).id("portico.ready").handler(Handler.sync((request, context) -> readiness())).build(),
                Route.get(ROUTES).id("portico.routes")
                        .handler(Handler.sync((request, context) -> Response.json(200, routeListing()))).build(),
                Route.get(UPSTREAMS).id("portico.upstreams")
                        .handler(Handler.sync((request, context) -> Response.json(200, upstreamState()))).build());
    }

    /** Returns a gateway that serves only the admin routes, for a listener of its own. */
    public Gateway gateway() {
        Gateway.Builder builder = Gateway.builder();
        routes().forEach(builder::route);
        return builder.build();
    }

    /** Returns why the gateway is not ready (draining, a required upstream without a healthy instance), or none. */
    public List<String> notReadyReasons() {
        List<String> reasons = new ArrayList<>(1);
        if (!serving.getAsBoolean()) {
            reasons.add("draining");
        }
        for (Upstream upstream : required) {
            if (upstream.healthyEndpoints().isEmpty()) {
                reasons.add("upstream " + upstream.name() + " has no healthy instance");
            }
        }
        return reasons;
    }

    private Response readiness() {
        List<String> reasons = notReadyReasons();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", reasons.isEmpty() ? "ready" : "not_ready");
        if (!reasons.isEmpty()) {
            body.put("reasons", reasons);
        }
        return Response.json(reasons.isEmpty() ? 200 : 503, body);
    }

    private Map<String, Object> routeListing() {
        Gateway gateway = served.get();
        List<Map<String, Object>> routes = new ArrayList<>();
        if (gateway != null) {
            for (Route route : gateway.routes()) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("id", route.id());
                entry.put("pattern", route.pattern());
                entry.put("methods", new TreeSet<>(route.methods()));
                if (route.upstream() != null) {
                    entry.put("upstream", route.upstream().name());
                } else if (route.handler() instanceof Aggregator aggregator) {
                    List<String> parts = new ArrayList<>();
                    for (Part part : aggregator.parts().values()) {
                        parts.add(part.upstream() != null ? part.upstream().name() : "handler");
                    }
                    entry.put("aggregates", parts);
                }
                routes.add(entry);
            }
        }
        return Map.of("routes", routes);
    }

    private Map<String, Object> upstreamState() {
        Set<Upstream> upstreams = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Upstream> ordered = new ArrayList<>();
        Gateway gateway = served.get();
        List<Upstream> candidates = new ArrayList<>(gateway != null ? gateway.upstreams() : List.of());
        candidates.addAll(required);
        for (Upstream upstream : candidates) {
            if (upstreams.add(upstream)) {
                ordered.add(upstream);
            }
        }
        List<Map<String, Object>> state = new ArrayList<>();
        for (Upstream upstream : ordered) {
            List<Endpoint> healthy = upstream.healthyEndpoints();
            List<Endpoint> ejected = upstream.ejectedEndpoints();
            List<Endpoint> unhealthy = upstream.unhealthyEndpoints();
            boolean panic = healthy.isEmpty() && !upstream.endpoints().isEmpty();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", upstream.name());
            entry.put("required", required.contains(upstream));
            List<Map<String, Object>> instances = new ArrayList<>();
            for (Endpoint endpoint : upstream.endpoints()) {
                Map<String, Object> instance = new LinkedHashMap<>();
                instance.put("url", endpoint.toString());
                instance.put("weight", endpoint.weight());
                instance.put("healthy", healthy.contains(endpoint));
                instance.put("ejected", ejected.contains(endpoint));
                instance.put("failingHealthCheck", unhealthy.contains(endpoint));
                instances.add(instance);
            }
            entry.put("instances", instances);
            entry.put("healthy", healthy.size());
            entry.put("panic", panic);
            entry.put("activeRequests", upstream.activeRequests());
            CircuitBreaker breaker = upstream.circuitBreaker();
            if (breaker != null) {
                entry.put("breaker", breaker.state().name());
            }
            state.add(entry);
        }
        return Map.of("upstreams", state);
    }

    /** A builder of {@link Admin}. */
    public static final class Builder {

        private final List<Upstream> required = new ArrayList<>();

        private Builder() {
        }

        /** Makes readiness 503 while this upstream has no healthy instance (none known, or all ejected or unhealthy). */
        public Builder requiredUpstream(Upstream upstream) {
            required.add(Objects.requireNonNull(upstream, "upstream"));
            return this;
        }

        /** Returns the admin. */
        public Admin build() {
            return new Admin(this);
        }
    }
}
