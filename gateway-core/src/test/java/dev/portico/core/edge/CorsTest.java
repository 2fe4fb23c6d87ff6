package dev.portico.core.edge;

import dev.portico.core.Gateway;
import dev.portico.core.GatewayException;
import dev.portico.core.Http;
import dev.portico.core.RecordingUpstreamClient;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** CORS as an edge filter: preflights answered before routing and auth, actual responses decorated once. */
class CorsTest {

    private static final Upstream APP = Upstream.of("app", "http://10.0.0.7:8080");

    private final RecordingUpstreamClient upstream = new RecordingUpstreamClient();

    private static Cors cors() {
        return Cors.builder()
                .allowOrigin("https://app.example")
                .allowOriginPattern("https://*.example.com")
                .allowMethods("GET", "PUT")
                .allowHeaders("Authorization", "Content-Type")
                .exposeHeaders("X-Request-Id")
                .allowCredentials(true)
                .maxAge(Duration.ofMinutes(10))
                .build();
    }

    /** A gateway whose only route is GET, behind CORS and an auth-like edge filter that answers 401. */
    private static Gateway gateway(Cors cors) {
        return Gateway.builder()
                .edgeFilter(cors)
                .edgeFilter((request, chain) -> request.header("Authorization") == null
                        ? CompletableFuture.completedFuture(
                                GatewayException.unauthorized("Bearer", "a token is required").toResponse())
                        : chain.proceed(request))
                .route(Route.get("/api/items").to(APP))
                .build();
    }

    private static Request.Builder preflight(String origin, String method) {
        return Http.request("OPTIONS", "/api/items").header("Origin", origin)
                .header("Access-Control-Request-Method", method);
    }

    private Response send(Request request) {
        return Http.send(gateway(cors()), request, upstream);
    }

    private static void assertNoCorsHeaders(Response response) {
        assertThat(response.headers().names()).noneMatch(name -> name.toLowerCase().startsWith("access-control-"));
    }

    @Test
    void answersAnAllowedPreflightWith204BeforeRoutingAndAuth() {
        Response response = send(preflight("https://app.example", "PUT")
                .header("Access-Control-Request-Headers", "authorization, content-type").build());

        assertThat(response.status()).isEqualTo(204);
        assertThat(response.header("Access-Control-Allow-Origin")).isEqualTo("https://app.example");
        assertThat(response.header("Access-Control-Allow-Methods")).isEqualTo("GET, PUT");
        assertThat(response.header("Access-Control-Allow-Headers")).isEqualTo("Authorization, Content-Type");
        assertThat(response.header("Access-Control-Allow-Credentials")).isEqualTo("true");
        assertThat(response.header("Access-Control-Max-Age")).isEqualTo("600");
        assertThat(response.header("Vary"))
                .isEqualTo("Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
        assertThat(upstream.callCount()).isZero();
    }

    /** The demo's contract: every allowed preflight lists the allowed headers, Authorization among them. */
    @Test
    void answersAPreflightFromAPatternOriginWithThatExactOriginAndTheAllowedHeaders() {
        Response response = send(preflight("https://shop.example.com", "GET").build());
        Response some = send(preflight("https://shop.example.com", "GET")
                .header("Access-Control-Request-Headers", "content-type").build());

        assertThat(response.status()).isEqualTo(204);
        assertThat(response.header("Access-Control-Allow-Origin")).isEqualTo("https://shop.example.com");
        assertThat(response.header("Access-Control-Allow-Headers")).isEqualTo("Authorization, Content-Type");
        assertThat(some.header("Access-Control-Allow-Headers")).isEqualTo("Authorization, Content-Type");
        Response none = Http.send(gateway(Cors.builder().allowOrigin("https://app.example").build()),
                preflight("https://app.example", "GET").build(), upstream);
        assertThat(none.status()).isEqualTo(204);
        assertThat(none.header("Access-Control-Allow-Headers")).isNull();
    }

    /** Browsers serialize an origin in lower case (RFC 6454); any other spelling is not from an allowed origin. */
    @Test
    void originsMatchExactly() {
        Response upper = send(preflight("https://APP.example", "GET").build());
        Response actual = send(Http.request("GET", "/api/items").header("Origin", "HTTPS://app.example")
                .header("Authorization", "Bearer t").build());

        Http.assertError(upper, 403, "forbidden");
        assertNoCorsHeaders(upper);
        assertNoCorsHeaders(actual);
        assertThat(cors().allowsOrigin("https://Shop.example.com")).isFalse();
    }

    @Test
    void patternStarMatchesOnePartOfOneLabelOnly() {
        Cors cors = Cors.builder().allowOriginPattern("https://*.example.com")
                .allowOriginPattern("https://app-*.example.org").build();

        assertThat(cors.allowsOrigin("https://a.example.com")).isTrue();
        assertThat(cors.allowsOrigin("https://a-1.example.com")).isTrue();
        assertThat(cors.allowsOrigin("https://app-eu.example.org")).isTrue();
        assertThat(cors.allowsOrigin("https://a.b.example.com")).isFalse();
        assertThat(cors.allowsOrigin("https://.example.com")).isFalse();
        assertThat(cors.allowsOrigin("https://example.com")).isFalse();
        assertThat(cors.allowsOrigin("http://a.example.com")).isFalse();
        assertThat(cors.allowsOrigin("https://a.example.com.evil.net")).isFalse();
        assertThat(cors.allowsOrigin("https://aexample.com")).isFalse();
        assertThat(cors.allowsOrigin("https://a.example.com:8443")).isFalse();
        assertThat(cors.allowsOrigin("null")).isFalse();
    }

    @Test
    void refusesPreflightsFromDisallowedOriginsMethodsOrHeadersWith403AndNoCorsHeaders() {
        Response origin = send(preflight("https://evil.example", "GET").build());
        Response method = send(preflight("https://app.example", "DELETE").build());
        Response header = send(preflight("https://app.example", "GET")
                .header("Access-Control-Request-Headers", "Content-Type, X-Admin").build());
        Response two = send(Http.request("OPTIONS", "/api/items").addHeader("Origin", "https://app.example")
                .addHeader("Origin", "https://evil.example").header("Access-Control-Request-Method", "GET").build());

        for (Response response : new Response[] {origin, method, header, two}) {
            Http.assertError(response, 403, "forbidden");
            assertNoCorsHeaders(response);
        }
        assertThat(upstream.callCount()).isZero();
    }

    @Test
    void decoratesAnAllowedOriginsResponseReplacingTheBackendsCorsHeaders() {
        upstream.enqueue(Response.builder(200).header("Access-Control-Allow-Origin", "*")
                .addHeader("Access-Control-Allow-Origin", "https://other.example")
                .header("access-control-allow-credentials", "false").header("Vary", "Accept-Encoding").build());

        Response response = send(Http.request("GET", "/api/items").header("Origin", "https://app.example")
                .header("Authorization", "Bearer t").build());

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers().getAll("Access-Control-Allow-Origin")).containsExactly("https://app.example");
        assertThat(response.headers().getAll("Access-Control-Allow-Credentials")).containsExactly("true");
        assertThat(response.header("Access-Control-Expose-Headers")).isEqualTo("X-Request-Id");
        assertThat(response.headers().getAll("Vary")).containsExactly("Accept-Encoding", "Origin");
        assertThat(upstream.takeRequest().header("Origin")).isEqualTo("https://app.example");
    }

    @Test
    void decoratesTheGatewaysOwnErrorsForAnAllowedOrigin() {
        Response response = send(Http.request("GET", "/api/items").header("Origin", "https://app.example").build());

        Http.assertError(response, 401, "unauthorized");
        assertThat(response.header("Access-Control-Allow-Origin")).isEqualTo("https://app.example");
        assertThat(response.header("Vary")).isEqualTo("Origin");
    }

    @Test
    void givesADisallowedOriginsResponseNoCorsHeadersEvenTheBackends() {
        upstream.enqueue(Response.builder(200).header("Access-Control-Allow-Origin", "*")
                .header("Vary", "origin").build());

        Response response = send(Http.request("GET", "/api/items").header("Origin", "https://evil.example")
                .header("Authorization", "Bearer t").build());

        assertThat(response.status()).isEqualTo(200);
        assertNoCorsHeaders(response);
        assertThat(response.headers().getAll("Vary")).containsExactly("origin");
    }

    @Test
    void leavesRequestsWithoutOriginUntouched() {
        Response backend = Response.builder(200).header("Access-Control-Allow-Origin", "*").build();
        upstream.enqueue(backend);

        Response response = send(Http.request("GET", "/api/items").header("Authorization", "Bearer t").build());
        Response options = send(Http.request("OPTIONS", "/api/items")
                .header("Access-Control-Request-Method", "GET").build());

        assertThat(response.toBuilder().removeHeader("X-Request-Id").build().headers()).isEqualTo(backend.headers());
        Http.assertError(options, 401, "unauthorized");
        assertNoCorsHeaders(options);
    }

    @Test
    void anOptionsRequestWithoutRequestMethodIsAnActualRequest() {
        Response response = send(Http.request("OPTIONS", "/api/items").header("Origin", "https://app.example")
                .header("Authorization", "Bearer t").build());

        Http.assertError(response, 405, "method_not_allowed");
        assertThat(response.header("Access-Control-Allow-Origin")).isEqualTo("https://app.example");
    }

    @Test
    void withoutCredentialsNoCredentialsHeaderIsSent() {
        Cors cors = Cors.builder().allowOrigin("https://app.example").build();

        Response response = Http.send(gateway(cors), preflight("https://app.example", "POST").build(), upstream);

        assertThat(response.status()).isEqualTo(204);
        assertThat(response.header("Access-Control-Allow-Methods")).isEqualTo("GET, HEAD, POST");
        assertThat(response.header("Access-Control-Allow-Credentials")).isNull();
        assertThat(response.header("Access-Control-Max-Age")).isNull();
    }

    @Test
    void rejectsInvalidConfigurationAtBuild() {
        assertThatThrownBy(() -> Cors.builder().build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("origins: none");
        assertThatThrownBy(() -> Cors.builder().allowOrigin("*")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("origin: *");
        assertThatThrownBy(() -> Cors.builder().allowOrigin("null")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Cors.builder().allowOrigin("https://app.example/"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Cors.builder().allowOrigin("ftp://app.example"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Cors.builder().allowOriginPattern("https://*.com"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two fixed labels");
        assertThatThrownBy(() -> Cors.builder().allowOriginPattern("https://example.com"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Cors.builder().allowHeaders("X Bad")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Cors.builder().maxAge(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAge: PT-1S");
        assertThat(Cors.builder().allowOrigin("https://[::1]:8443").build().allowsOrigin("https://[::1]:8443"))
                .isTrue();
    }
}
