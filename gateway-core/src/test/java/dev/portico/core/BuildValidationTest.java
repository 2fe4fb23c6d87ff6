package dev.portico.core;

import dev.portico.core.upstream.Endpoint;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A gateway description is validated when it is built, with messages that name the problem. */
class BuildValidationTest {

    private static final Upstream BACKEND = Upstream.of("backend", "http://backend:8080");
    private static final Handler OK = (request, context) -> CompletableFuture.completedFuture(Response.of(200));

    @Test
    void duplicateRouteIdsAreRejected() {
        Gateway.Builder builder = Gateway.builder()
                .route(Route.get("/a").id("users").to(BACKEND))
                .route(Route.get("/b").id("users").to(BACKEND));

        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("route id: users")
                .hasMessageContaining("unique")
                .hasMessageContaining("/a");
    }

    @Test
    void duplicateDefaultIdsAreRejected() {
        Gateway.Builder builder = Gateway.builder()
                .route(Route.get("/a").header("X-Beta").to(BACKEND))
                .route(Route.get("/a").header("X-Beta").to(BACKEND));

        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("route id: GET /a [header X-Beta]");
    }

    @Test
    void routesThatDifferOnlyByCustomPredicatesNeedExplicitIds() {
        Gateway.Builder builder = Gateway.builder()
                .route(Route.get("/a").matching(request -> request.rawQuery() == null).to(BACKEND))
                .route(Route.get("/a").matching(request -> request.rawQuery() != null).to(BACKEND));

        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("route id: GET /a [matching]");
    }

    @Test
    void defaultIdsAreTheMethodsAndThePattern() {
        assertThat(Route.get("/a/{id}").to(BACKEND).build().id()).isEqualTo("GET /a/{id}");
        assertThat(Route.any("/a").methods("put", "post").to(BACKEND).build().id()).isEqualTo("PUT,POST /a");
        assertThat(Route.any("/a").to(BACKEND).build().id()).isEqualTo("* /a");
    }

    @Test
    void defaultIdsNameTheConditionsInDeclarationOrder() {
        Route route = Route.get("/api/users")
                .host("API.example.com").header("X-Api-Version", "2").header("X-Beta")
                .query("debug").query("v", "1").matching(request -> true)
                .to(BACKEND).build();

        assertThat(route.id()).isEqualTo("GET /api/users [host=api.example.com, header X-Api-Version=2, header X-Beta,"
                + " query debug, query v=1, matching]");
    }

    @Test
    void anExplicitIdReplacesTheDefault() {
        assertThat(Route.get("/a").header("X-Beta").id("beta").to(BACKEND).build().id()).isEqualTo("beta");
    }

    @Test
    void sameIdOnDifferentMethodsIsFineByDefault() {
        Gateway gateway = Gateway.builder()
                .route(Route.get("/a").to(BACKEND))
                .route(Route.post("/a").to(BACKEND))
                .build();

        assertThat(gateway.routes()).extracting(Route::id).containsExactly("GET /a", "POST /a");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "a/b            | starts with '/'",
            "\"\"             | starts with '/'",
            "/a/**/b        | '**' must be the last segment",
            "/**/a          | '**' must be the last segment",
            "/a/{id}/{id}   | capture 'id' appears twice",
            "/a/{}          | capture '{}'",
            "/a/{x y}       | capture '{x y}'",
            "/a%20b         | segment 'a%20b'",
            "/a/%2F         | segment '%2F'",
            "/a//b          | empty segment",
            "/a/../b        | segment '..'",
            "/a/./b         | segment '.'",
            "/a/b{id}       | segment 'b{id}'",
            "/a/x*          | segment 'x*'",
            "/a/***         | segment '***'",
    })
    void badPatternsAreRejectedNamingTheProblem(String pattern, String problem) {
        assertThatThrownBy(() -> Route.get(pattern).to(BACKEND).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("route " + pattern + ": pattern: " + pattern)
                .hasMessageContaining(problem);
    }

    @Test
    void badPatternMessageNamesTheRouteIdWhenThereIsOne() {
        assertThatThrownBy(() -> Route.get("/a/**/b").id("files").to(BACKEND).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("route files: pattern: /a/**/b");
    }

    @Test
    void routeWithoutTargetIsRejected() {
        assertThatThrownBy(() -> Route.get("/a").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("route /a")
                .hasMessageContaining("no target");
        assertThatThrownBy(() -> Gateway.builder().route(Route.get("/b").id("orphan")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("route orphan: no target");
    }

    @Test
    void lastTargetSetWins() {
        Route local = Route.get("/a").to(BACKEND).handler(OK).build();
        Route proxied = Route.get("/a").handler(OK).to(BACKEND).build();

        assertThat(local.upstream()).isNull();
        assertThat(local.handler()).isSameAs(OK);
        assertThat(proxied.upstream()).isSameAs(BACKEND);
        assertThat(proxied.handler()).isNull();
    }

    @Test
    void zeroOrNegativeRouteTimeoutsAreRejected() {
        assertThatThrownBy(() -> Route.get("/a").timeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout: PT0S (expected: > 0)");
        assertThatThrownBy(() -> Route.get("/a").timeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout: PT-1S (expected: > 0)");
        assertThatThrownBy(() -> Route.get("/a").connectTimeout(Duration.ofMillis(-5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("connectTimeout: PT-0.005S");
        assertThatThrownBy(() -> Route.get("/a").timeout(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void zeroOrNegativeGatewayTimeoutsAreRejected() {
        assertThatThrownBy(() -> Gateway.builder().timeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout: PT0S (expected: > 0)");
        assertThatThrownBy(() -> Gateway.builder().connectTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("connectTimeout: PT-1S (expected: > 0)");
        assertThatThrownBy(() -> Gateway.builder().idleTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("idleTimeout");
        assertThatThrownBy(() -> Gateway.builder().requestHeaderTimeout(Duration.ofNanos(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requestHeaderTimeout");
    }

    @Test
    void negativeBodyLimitsAndTooSmallLimitsAreRejected() {
        assertThatThrownBy(() -> Route.post("/a").maxBodySize(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxBodySize: -1 (expected: >= 0)");
        assertThatThrownBy(() -> Gateway.builder().maxBodySize(-2))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxBodySize: -2 (expected: >= 0)");
        assertThatThrownBy(() -> Gateway.builder().maxHeaderSize(100))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxHeaderSize: 100");
        assertThatThrownBy(() -> Gateway.builder().maxConcurrentRequests(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxConcurrentRequests: 0");
    }

    @Test
    void clientIpHeadersMustBeHeaderNames() {
        assertThatThrownBy(() -> Gateway.builder().clientIpHeaders("X-Real-IP", null))
                .isInstanceOf(NullPointerException.class).hasMessage("client IP header");
        assertThatThrownBy(() -> Gateway.builder().clientIpHeaders("X Real IP"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("X Real IP");
        assertThat(Gateway.builder().build().clientIpHeaders()).containsExactly("X-Real-IP", "X-Client-IP",
                "True-Client-IP", "CF-Connecting-IP", "X-Cluster-Client-IP", "Fastly-Client-IP");
        assertThat(Gateway.builder().clientIpHeaders("X-Custom").build().clientIpHeaders()).containsExactly("X-Custom");
    }

    @Test
    void gatewaySettingsAreKept() {
        Gateway gateway = Gateway.builder()
                .maxHeaderSize(8192)
                .maxConcurrentRequests(7)
                .idleTimeout(Duration.ofSeconds(9))
                .requestHeaderTimeout(Duration.ofSeconds(4))
                .build();

        assertThat(gateway.maxHeaderSize()).isEqualTo(8192);
        assertThat(gateway.maxConcurrentRequests()).isEqualTo(7);
        assertThat(gateway.idleTimeout()).isEqualTo(Duration.ofSeconds(9));
        assertThat(gateway.requestHeaderTimeout()).isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void invalidMethodsAreRejected() {
        assertThatThrownBy(() -> Route.any("/a").methods("GE T"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("method: GE T");
        assertThatThrownBy(() -> Route.any("/a").methods(""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("method: empty");
        assertThatThrownBy(() -> Request.builder("GET\r\n", "/"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void upstreamWithoutInstancesIsRejected() {
        assertThatThrownBy(() -> Upstream.of("users"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("upstream users: no instances (expected: at least one)");
        assertThatThrownBy(() -> Upstream.builder(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name: blank");
    }

    @Test
    void httpsEndpointIsAcceptedWithItsDefaultPortAndOtherSchemesAreRejected() {
        assertThat(Upstream.of("users", "https://users.internal").endpoints().get(0).port()).isEqualTo(443);
        assertThatThrownBy(() -> Upstream.of("users", "ftp://users.internal"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("scheme: ftp (expected: http or https)");
    }

    @Test
    void endpointWithAQueryFragmentOrUserInfoIsRejected() {
        assertThatThrownBy(() -> Upstream.of("users", "http://users.internal/base?debug=1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("url: http://users.internal/base?debug=1")
                .hasMessageContaining("expected: http[s]://host[:port][/base-path]");
        assertThatThrownBy(() -> Upstream.of("users", "http://users.internal/#top"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("url:");
        assertThatThrownBy(() -> Upstream.of("users", "http://ann:pw@users.internal"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("url:");
    }

    @Test
    void endpointWithoutAHostOrWithABadPortIsRejected() {
        assertThatThrownBy(() -> Upstream.of("users", "users.internal:8080"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Endpoint("http", "h", 0, ""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port: 0");
        assertThatThrownBy(() -> new Endpoint("http", "h", 80, "base"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("basePath: base");
    }

    @Test
    void endpointsAreParsedFromUrls() {
        assertThat(Endpoint.of(java.net.URI.create("http://10.0.0.7:8080/base/")))
                .isEqualTo(new Endpoint("http", "10.0.0.7", 8080, "/base"));
        assertThat(Endpoint.of(java.net.URI.create("HTTP://Example.com"))).satisfies(e -> {
            assertThat(e.scheme()).isEqualTo("http");
            assertThat(e.port()).isEqualTo(80);
            assertThat(e.basePath()).isEmpty();
            assertThat(e.authority()).isEqualTo("Example.com");
        });
        assertThat(Endpoint.of(java.net.URI.create("http://[::1]:9000")).authority()).isEqualTo("[::1]:9000");
    }

    @Test
    void invalidTrustedProxiesAreRejected() {
        assertThatThrownBy(() -> Gateway.builder().trustedProxies("proxy.internal"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trusted proxy: proxy.internal");
        assertThatThrownBy(() -> Gateway.builder().trustedProxies("10.0.0.0/33"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prefix 0-32");
        assertThatThrownBy(() -> Gateway.builder().trustedProxies("10.0.0.0/x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10.0.0.0/x");
        assertThatThrownBy(() -> Gateway.builder().trustedProxies("fd00::/129"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prefix 0-128");
    }

    @Test
    void builtGatewayIsNotChangedByFurtherBuilderUse() {
        Gateway.Builder builder = Gateway.builder().route(Route.get("/a").to(BACKEND));
        Gateway gateway = builder.build();

        builder.route(Route.get("/b").to(BACKEND)).filter((request, chain) -> chain.proceed(request));

        assertThat(gateway.routes()).extracting(Route::pattern).containsExactly("/a");
        assertThat(gateway.filters()).isEmpty();
        assertThatThrownBy(() -> gateway.routes().add(Route.get("/c").to(BACKEND).build()))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void builtRouteIsNotChangedByFurtherBuilderUse() {
        Route.Builder builder = Route.get("/a").metadata("team", "core").to(BACKEND);
        Route route = builder.build();

        builder.filter((request, chain) -> chain.proceed(request)).metadata("tier", "1").methods("POST");

        assertThat(route.filters()).isEmpty();
        assertThat(route.metadata()).containsExactly(java.util.Map.entry("team", "core"));
        assertThat(route.methods()).containsExactly("GET");
        assertThat(route.allows("HEAD")).isTrue();
        assertThat(route.allows("POST")).isFalse();
    }
}
