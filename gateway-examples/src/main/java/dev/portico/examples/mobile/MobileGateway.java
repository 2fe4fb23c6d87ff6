package dev.portico.examples.mobile;

import dev.portico.core.Gateway;
import dev.portico.core.Handler;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.aggregate.Aggregator;
import dev.portico.core.aggregate.Part;
import dev.portico.core.auth.JwtAuth;
import dev.portico.core.edge.Cors;
import dev.portico.core.filter.Filters;
import dev.portico.core.ratelimit.Limit;
import dev.portico.core.ratelimit.LocalRateLimiter;
import dev.portico.core.ratelimit.RateLimit;
import dev.portico.core.ratelimit.RateLimitKey;
import dev.portico.core.ratelimit.RateLimiter;
import dev.portico.core.resilience.CircuitBreaker;
import dev.portico.core.resilience.UpstreamErrors;
import dev.portico.core.transform.JsonTransform;
import dev.portico.core.upstream.Upstream;
import dev.portico.core.version.Deprecation;
import dev.portico.examples.mobile.orders.OrdersProto;
import dev.portico.grpc.GrpcTranscoder;
import dev.portico.redis.RedisRateLimiter;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/** The mobile demo's gateway: its routes to the user, product and order services, its health check and metrics. */
public final class MobileGateway {

    private static final long MAX_BODY_SIZE = 1024 * 1024;

    private static final String LIST_ORDERS = "portico.demo.orders.v1.Orders/ListOrders";
    private static final String CREATE_ORDER = "portico.demo.orders.v1.Orders/CreateOrder";

    /** How often an idle event stream gets a comment line, so that proxies and mobile networks keep it open. */
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

    private static final Handler HEALTH =
            (request, context) -> CompletableFuture.completedFuture(Response.json(200, "{\"status\":\"UP\"}"));

    /**
     * Where the three services are.
     *
     * @param users    the user service's base URL, such as {@code http://127.0.0.1:40123}
     * @param products the product service's base URL
     * @param orders   the order service's gRPC target, such as {@code dns:///127.0.0.1:40125}
     */
    public record Services(String users, String products, String orders) {

        public Services {
            Objects.requireNonNull(users, "users");
            Objects.requireNonNull(products, "products");
            Objects.requireNonNull(orders, "orders");
        }
    }

    private MobileGateway() {
    }

    /**
     * Returns the gateway for these services, with the route timeout and token key of {@code config}, reporting
     * through its own OpenTelemetry SDK ({@code GET /metrics} answers its metrics in the Prometheus text format, and
     * {@code config.logTraces()} writes its spans to the log): the user and
     * order routes require a demo token and tell the services its {@code sub} in {@code X-User-Id}, the only identity
     * they trust; each client address (on the public routes) and each user (wherever a token was sent) may make
     * {@code config.rateLimitPerMinute()} requests in any minute; CORS is open to {@code http://localhost:3000}. The
     * caller's new orders stream as server-sent events on {@code GET /api/orders/events}.
     */
    public static Gateway build(DemoConfig config, Services services) {
        RateLimiter limiter = limiter(config);
        Upstream users = service("user-service", services.users());
        Upstream products = service("product-service", services.products());
        Duration timeout = config.routeTimeout();
        JwtAuth caller = demoTokens(config).build();
        // the public routes read a token when there is one, so that its requests count against the user's budget
        JwtAuth callerIfAny = demoTokens(config).optional(true).build();
        RateLimit limit = RateLimit.by(RateLimitKey.subject().or(RateLimitKey.clientIp()))
                .name("demo")
                .limit(rateLimit(config))
                .limiter(limiter)
                .build();
        Cors cors = Cors.builder()
                .allowOrigin("http://localhost:3000")
                .allowMethods("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
                .allowHeaders("Authorization", "Content-Type")
                .maxAge(Duration.ofMinutes(10))
                .build();
        DemoTelemetry telemetry = DemoTelemetry.create(config);
        Gateway.Builder gateway = Gateway.builder().telemetry(telemetry.telemetry()).resource(telemetry);
        GrpcTranscoder orders = orders(services.orders(), telemetry);
        gateway.resource(orders);
        Handler listOrders = orders.method(LIST_ORDERS).responseBody("orders").build(); // the caller's, as a list
        OrderEvents orderEvents = new OrderEvents(services.orders(), KEEP_ALIVE, timeout);
        gateway.resource(orderEvents);
        if (limiter instanceof AutoCloseable redis) {
            gateway.resource(redis);
        }
        // GET and POST /api/orders, transcoded to the order service's gRPC methods by their google.api.http rules
        orders.routes().forEach(route -> gateway.route(route.filter(caller).filter(limit).timeout(timeout)));
        return gateway
                .edgeFilter(cors)
                .maxBodySize(MAX_BODY_SIZE)
                .route(Route.get("/api/products").id("products")
                        .filter(callerIfAny).filter(limit).filter(Filters.stripPrefix(1))
                        .timeout(timeout).upstreamErrors(UpstreamErrors.REPLACE).to(products))
                .route(Route.get("/api/products/{id}").id("product")
                        .filter(callerIfAny).filter(limit).filter(Filters.stripPrefix(1))
                        .timeout(timeout).upstreamErrors(UpstreamErrors.REPLACE).to(products))
                .route(Route.get("/api/v1/products/{id}").id("product-v1") // the legacy shape, deprecated
                        .filter(callerIfAny).filter(limit)
                        .filter(Deprecation.builder(Instant.parse("2025-01-01T00:00:00Z"))
                                .link(URI.create("https://developer.mobile.example/deprecation/v1")).build())
                        .filter(JsonTransform.response().rename("name", "title").build())
                        .filter(Filters.rewritePath("/products/{id}")).timeout(timeout).upstreamErrors(UpstreamErrors.REPLACE).to(products))
                .route(Route.get("/api/users/me").id("me")
                        .filter(caller).filter(limit).filter(Filters.stripPrefix(1))
                        .timeout(timeout).upstreamErrors(UpstreamErrors.REPLACE).to(users))
                .route(Route.get("/api/orders/events").id("order-events")
                        .filter(caller).filter(limit).handler(orderEvents))
                .route(dashboard(caller, users, listOrders, products, timeout).filter(limit))
                .route(DemoGraphql.route(caller, users, products, listOrders, timeout).filter(limit))
                .route(Route.get("/health").id("health").handler(HEALTH))
                .route(Route.get("/metrics").id("metrics").handler(telemetry.metrics()))
                .build();
    }

    /**
     * Returns a service's upstream, guarded by its own circuit breaker: when half of its last 20 calls (10 at least)
     * failed, calls get 503 at once for 10 s, then 3 trial calls decide whether it closes again.
     */
    private static Upstream service(String name, String url) {
        return Upstream.builder(name).instance(url)
                .circuitBreaker(CircuitBreaker.builder().failureRate(0.5).window(20, 10).openFor(Duration.ofSeconds(10)).build())
                .build();
    }

    /**
     * Returns the transcoder to the order service: the caller's {@code X-User-Id} goes as metadata and the service's
     * {@code x-trace-id} comes back as a header; a body's fields other than {@code productId} and {@code quantity} are
     * ignored, as are query parameters, as the REST service did; a create answers 201.
     */
    private static GrpcTranscoder orders(String target, DemoTelemetry telemetry) {
        return GrpcTranscoder.builder(target)
                .descriptors(OrdersProto.getDescriptor())
                .forwardHeaders("X-User-Id")
                .responseHeaders("X-Trace-Id")
                .telemetry(telemetry.telemetry())
                .ignoreUnknownFields()
                .ignoreUnknownQueryParameters()
                .status(CREATE_ORDER, 201)
                .build();
    }

    /**
     * Returns the budget of each client address and each user: at most {@code config.rateLimitPerMinute()} requests
     * accepted in any 60 seconds, as the demo's contract says (a bucket renewed each minute would let nearly twice as
     * many through across a renewal).
     */
    static Limit rateLimit(DemoConfig config) {
        return Limit.of(config.rateLimitPerMinute(), Duration.ofMinutes(1)).sliding();
    }

    /**
     * Returns the demo's limiter: local buckets, or with {@code REDIS_URL} buckets in that Redis, shared by every demo
     * gateway that uses it; while Redis cannot be reached, each gateway counts on its own local buckets.
     */
    private static RateLimiter limiter(DemoConfig config) {
        if (config.redisUrl() == null) {
            return LocalRateLimiter.create();
        }
        return RedisRateLimiter.builder(config.redisUrl()).failOpen(LocalRateLimiter.create()).build();
    }

    private static JwtAuth.Builder demoTokens(DemoConfig config) {
        return JwtAuth.builder()
                .hs256(config.jwtSecret().getBytes(StandardCharsets.UTF_8))
                .issuer(DemoTokens.ISSUER)
                .audience(DemoTokens.AUDIENCE)
                .clockSkew(Duration.ofSeconds(30))
                .claimHeader("sub", "X-User-Id")
                .realm("mobile");
    }

    /**
     * {@code GET /api/dashboard}: the caller's user, orders and the recommended products, fetched in parallel within
     * one route timeout; a part that fails is {@code null} and marks the answer {@code X-Gateway-Partial: true}.
     */
    private static Route.Builder dashboard(JwtAuth caller, Upstream users, Handler listOrders, Upstream products,
                                           Duration timeout) {
        return Route.get("/api/dashboard").id("dashboard").filter(caller).timeout(timeout).handler(Aggregator.builder()
                .part("user", Part.get(users, "/users/{sub}").optional())
                .part("orders", Part.handler(listOrders, "/orders").optional())    // X-User-Id is forwarded
                .part("recommendations", Part.get(products, "/products").optional())
                .build());
    }
}
