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
import dev.portico.core.ratelimit.LocalRateLimiter;
import dev.portico.core.ratelimit.RateLimit;
import dev.portico.core.ratelimit.RateLimitKey;
import dev.portico.core.ratelimit.RateLimiter;
import dev.portico.core.resilience.CircuitBreaker;
import dev.portico.core.resilience.UpstreamErrors;
import dev.portico.core.transform.JsonTransform;
import dev.portico.core.upstream.Upstream;
import dev.portico.core.version.Deprecation;
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

    private static final Handler HEALTH =
            (request, context) -> CompletableFuture.completedFuture(Response.json(200, "{\"status\":\"UP\"}"));

    /**
     * The base URLs of the three services, such as {@code http://127.0.0.1:40123}.
     *
     * @param users    the user service
     * @param products the product service
     * @param orders   the order service
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
     * {@code config.rateLimitPerMinute()} requests a minute; CORS is open to {@code http://localhost:3000}.
     */
    public static Gateway build(DemoConfig config, Services services) {
        RateLimiter limiter = limiter(config);
        Upstream users = service("user-service", services.users());
        Upstream products = service("product-service", services.products());
        Upstream orders = service("order-service", services.orders());
        Duration timeout = config.routeTimeout();
        JwtAuth caller = demoTokens(config).build();
        // the public routes read a token when there is one, so that its requests count against the user's budget
        JwtAuth callerIfAny = demoTokens(config).optional(true).build();
        RateLimit limit = RateLimit.by(RateLimitKey.subject().or(RateLimitKey.clientIp()))
                .name("demo")
                .limit(config.rateLimitPerMinute(), Duration.ofMinutes(1))
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
        if (limiter instanceof AutoCloseable redis) {
            gateway.resource(redis);
        }
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
                .route(Route.any("/api/orders").methods("GET", "POST").id("orders")
                        .filter(caller).filter(limit).filter(Filters.stripPrefix(1))
                        .timeout(timeout).upstreamErrors(UpstreamErrors.REPLACE).to(orders))
                .route(dashboard(caller, users, orders, products, timeout).filter(limit))
                .route(DemoGraphql.route(caller, users, products, DemoGraphql.OrderSource.rest(orders), timeout).filter(limit))
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
    private static Route.Builder dashboard(JwtAuth caller, Upstream users, Upstream orders, Upstream products, Duration timeout) {
        return Route.get("/api/dashboard").id("dashboard").filter(caller).timeout(timeout).handler(Aggregator.builder()
                .part("user", Part.get(users, "/users/{sub}").optional())
                .part("orders", Part.get(orders, "/orders").optional())             // X-User-Id is forwarded
                .part("recommendations", Part.get(products, "/products").optional())
                .build());
    }
}
