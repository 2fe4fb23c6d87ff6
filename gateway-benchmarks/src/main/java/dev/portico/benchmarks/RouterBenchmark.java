package dev.portico.benchmarks;

import dev.portico.core.Gateway;
import dev.portico.core.GatewayException;
import dev.portico.core.Request;
import dev.portico.core.Route;
import dev.portico.core.internal.routing.Router;
import dev.portico.core.upstream.Upstream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The cost of one {@link Router#route} lookup in a table of 302 routes, a mobile backend of 30 resources with ten
 * routes each (literals, one to three captures, a {@code **} tail) plus two shared ones: a hit on the first route
 * declared, one on the last, a capture-heavy hit, a tail hit and a 404 that backtracks.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RouterBenchmark {

    private static final String[] RESOURCES = {
        "users", "accounts", "profiles", "sessions", "devices", "notifications", "messages", "conversations",
        "contacts", "groups", "products", "categories", "brands", "reviews", "carts", "orders", "payments", "refunds",
        "shipments", "addresses", "coupons", "wishlists", "stores", "inventory", "prices", "recommendations",
        "favorites", "media", "reports", "settings",
    };

    private Router router;
    private Request early;
    private Request late;
    private Request captureHeavy;
    private Request tail;
    private Request notFound;

    /** Builds the route table through {@link Gateway#builder()}, so that it passes the gateway's own checks. */
    @Setup
    public void routes() {
        Upstream backend = Upstream.of("backend", "http://10.0.1.21:8081");
        Gateway.Builder gateway = Gateway.builder();
        for (String r : RESOURCES) {
            String v1 = "/api/v1/" + r;
            String v2 = "/api/v2/" + r;
            gateway.route(Route.get(v1).to(backend))
                    .route(Route.post(v1).to(backend))
                    .route(Route.get(v1 + "/{id}").to(backend))
                    .route(Route.put(v1 + "/{id}").to(backend))
                    .route(Route.patch(v1 + "/{id}").to(backend))
                    .route(Route.delete(v1 + "/{id}").to(backend))
                    .route(Route.get(v1 + "/{id}/history").to(backend))
                    .route(Route.get(v2 + "/{id}/items/{itemId}").to(backend))
                    .route(Route.get(v2 + "/{id}/items/{itemId}/events/{eventId}").to(backend))
                    .route(Route.any("/files/" + r + "/**").to(backend));
        }
        gateway.route(Route.get("/api/{version}/status").to(backend))
                .route(Route.get("/health").to(backend));
        List<Route> routes = gateway.build().routes();
        router = new Router(routes, List.of());

        early = request("GET", "/api/v1/users/8f14e45f-ceea-467a-9575-6b5e2f6a7c3b");
        late = request("DELETE", "/api/v1/settings/notifications-email");
        captureHeavy = request("GET", "/api/v2/orders/100482/items/7/events/3141");
        tail = request("GET", "/files/media/2026/11/avatars/4f1c/cover@2x.jpg");
        notFound = request("GET", "/api/v1/users/8f14e45f-ceea-467a-9575-6b5e2f6a7c3b/friends");
    }

    private static Request request(String method, String path) {
        return Request.builder(method, path).header("Host", "api.example.com").build();
    }

    /** The first route declared, {@code GET /api/v1/users/{id}}: one capture, first entry at its node. */
    @Benchmark
    public Router.Match earlyHit() {
        return router.route(early);
    }

    /**
     * The last resource's {@code DELETE /api/v1/settings/{id}}: the fourth entry at its node, after the
     * {@code GET}, {@code PUT} and {@code PATCH} routes of the same pattern refuse the method.
     */
    @Benchmark
    public Router.Match lateHit() {
        return router.route(late);
    }

    /** {@code GET /api/v2/orders/{id}/items/{itemId}/events/{eventId}}: seven segments, three captures. */
    @Benchmark
    public Router.Match captureHeavyHit() {
        return router.route(captureHeavy);
    }

    /** {@code /files/media/**} with six segments below it. */
    @Benchmark
    public Router.Match tailHit() {
        return router.route(tail);
    }

    /**
     * A path that follows {@code /api/v1/users/{id}} and then fails, backtracks to {@code /api/{version}} and fails
     * again: the 404, with its exception and message.
     */
    @Benchmark
    public void notFound(Blackhole bh) {
        try {
            bh.consume(router.route(notFound));
            throw new AssertionError("routed " + notFound);
        } catch (GatewayException e) {
            bh.consume(e);
        }
    }
}
