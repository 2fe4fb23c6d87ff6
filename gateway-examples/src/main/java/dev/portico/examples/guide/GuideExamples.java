package dev.portico.examples.guide;

import dev.portico.core.AttributeKey;
import dev.portico.core.Filter;
import dev.portico.core.Gateway;
import dev.portico.core.GatewayException;
import dev.portico.core.Handler;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.filter.Filters;
import dev.portico.core.upstream.CallOutcome;
import dev.portico.core.upstream.SendOptions;
import dev.portico.core.upstream.Upstream;
import dev.portico.undertow.PorticoHandler;
import dev.portico.undertow.PorticoServer;
import io.undertow.Handlers;
import io.undertow.Undertow;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The code quoted in docs/guide.md, compiled so that it cannot rot. */
public final class GuideExamples {

    private GuideExamples() {
    }

    static Gateway routes() {
        Upstream users = Upstream.of("users", "http://10.0.0.7:8080", "http://10.0.0.8:8080");
        Upstream files = Upstream.of("files", "http://10.0.0.9:8080/storage");
        Handler health = Handler.sync((request, context) -> Response.json(200, "{\"status\":\"UP\"}"));

        return Gateway.builder()
                .route(Route.get("/api/users/me").to(users))                       // literal beats capture
                .route(Route.get("/api/users/{id}")
                        .filter(Filters.rewritePath("/users/{id}"))
                        .timeout(Duration.ofSeconds(2))
                        .to(users))
                .route(Route.any("/api/admin/**").methods("GET", "POST")
                        .host("admin.example.com")
                        .header("X-Admin-Token")
                        .to(users))
                .route(Route.put("/files/**").maxBodySize(512L * 1024 * 1024)     // large uploads stream
                        .filter(Filters.stripPrefix(1))
                        .to(files))
                .route(Route.get("/health").handler(health))
                .build();
    }

    static Gateway versions(Upstream usersV1, Upstream usersV2) {
        return Gateway.builder()                                  // ids: GET /api/users [header X-Api-Version=2]
                .route(Route.get("/api/users").header("X-Api-Version", "2").to(usersV2))
                .route(Route.get("/api/users").to(usersV1))       // and GET /api/users
                .build();
    }

    record Status(String status, String version) {
    }

    static Handler status() {
        return Handler.sync((request, context) -> Response.json(200, new Status("UP", "1.4.2")));
    }

    static final AttributeKey<List<String>> ROLES = AttributeKey.of("roles", List.class);

    static Filter adminsOnly() {
        return (request, chain) -> {
            if (request.header("Authorization") == null) {
                return CompletableFuture.failedFuture(
                        GatewayException.unauthorized("Bearer realm=\"api\"", "a bearer token is required"));
            }
            List<String> roles = chain.context().get(ROLES);
            if (roles == null || !roles.contains("admin")) {
                return CompletableFuture.failedFuture(GatewayException.forbidden("admins only"));
            }
            return chain.proceed(request);
        };
    }

    static final AttributeKey<String> TENANT = AttributeKey.of("tenant", String.class);

    static Filter tenant() {
        return (request, chain) -> {
            String tenant = request.header("X-Tenant");
            if (tenant == null) {
                return CompletableFuture.failedFuture(GatewayException.badRequest("X-Tenant is required"));
            }
            chain.context().put(TENANT, tenant);
            return chain.proceed(request.toBuilder().header("X-Tenant", tenant.toLowerCase()).build());
        };
    }

    static Filter retryOnceOn503() {
        return (request, chain) -> request.body().buffer(64 * 1024).thenCompose(body -> {
            Request replayable = request.toBuilder().body(body).build();
            return chain.proceed(replayable).thenCompose(response -> response.status() != 503
                    ? CompletableFuture.completedFuture(response)
                    : response.body().discard().thenCompose(discarded -> chain.proceed(replayable)));
        });
    }

    static Filter upperCaseResponse() {
        return (request, chain) -> chain.proceed(request).thenApply(response -> response.toBuilder()
                .body(response.body().map(chunk -> {
                    byte[] bytes = new byte[chunk.remaining()];
                    chunk.get(bytes);
                    return ByteBuffer.wrap(new String(bytes, StandardCharsets.ISO_8859_1).toUpperCase()
                            .getBytes(StandardCharsets.ISO_8859_1));
                }))
                .build());
    }

    static Filter upperCaseBody() {
        return (request, chain) -> request.body().bytes(64 * 1024).thenCompose(bytes -> {
            String text = new String(bytes, StandardCharsets.UTF_8).toUpperCase();
            return chain.proceed(request.toBuilder().body(dev.portico.core.Body.of(text)).build());
        });
    }

    static Gateway limits() {
        return Gateway.builder()
                .filter(tenant())                                   // global: wraps every route's filters
                .connectTimeout(Duration.ofSeconds(1))
                .timeout(Duration.ofSeconds(10))
                .maxBodySize(2 * 1024 * 1024)
                .maxHeaderSize(32 * 1024)
                .maxConcurrentRequests(5_000)                       // needs ulimit -n of 15,512 or more
                .idleTimeout(Duration.ofSeconds(30))
                .requestHeaderTimeout(Duration.ofSeconds(5))
                .maxHeaderCount(64)
                .maxResponseHeaderSize(32 * 1024)                   // upstream heads
                .bodyIdleTimeout(Duration.ofSeconds(30))            // upstream body pauses
                .maxIdleConnections(32)                             // per upstream endpoint
                .idleConnectionTimeout(Duration.ofSeconds(2))
                .trustedProxies("10.0.0.0/8")
                .route(Route.any("/**").to(Upstream.of("app", "http://10.0.0.7:8080")))
                .build();
    }

    static void serve(Gateway gateway) {
        try (PorticoServer server = PorticoServer.builder(gateway)
                .host("0.0.0.0").port(8080)
                .drainTimeout(Duration.ofSeconds(20))
                .start()) {
            System.out.println("listening on " + server.port());
        } // close(): stop accepting, drain in-flight requests, then close
    }

    static Undertow mount(Gateway gateway) {
        return Undertow.builder()
                .addHttpListener(8080, "0.0.0.0")
                .setHandler(Handlers.path().addPrefixPath("/gateway", PorticoHandler.of(gateway)))
                .build();
    }

    static Gateway edge(Upstream app) {
        Filter accessLog = (request, chain) -> {
            chain.context().onComplete(done -> System.out.printf("%s %s %d %d bytes %d ms%n",
                    request.method(), done.route() == null ? "-" : done.route().id(), done.status(),
                    done.bytesOut(), done.duration().toMillis()));
            return chain.proceed(request);
        };
        return Gateway.builder()
                .edgeFilter(accessLog)                              // every request, 404s and 431s included
                .route(Route.get("/api/items").to(app))
                .build();
    }

    static Upstream sticky() {
        return Upstream.builder("carts")
                .instance("http://10.0.0.7:8080")
                .instance("http://10.0.0.8:8080")
                .loadBalancer((endpoints, request, context) -> endpoints.get(
                        Math.floorMod(String.valueOf(request.header("X-Cart")).hashCode(), endpoints.size())))
                .listener(outcome -> {
                    if (outcome.kind() == CallOutcome.Kind.CONNECT_FAILURE) {
                        System.out.println(outcome.endpoint() + " refused a connection");
                    }
                })
                .build();
    }

    static Handler profile(Upstream users) {
        return (request, context) -> context.send(users, request,
                SendOptions.builder().timeout(Duration.ofMillis(300)).build());  // this call only
    }

    static void swap(PorticoServer server, Gateway next) {
        server.swap(next).thenRun(() -> System.out.println("the previous gateway drained and closed"));
    }
}
