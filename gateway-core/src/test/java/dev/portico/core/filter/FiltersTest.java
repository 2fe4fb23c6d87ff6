package dev.portico.core.filter;

import dev.portico.core.Filter;
import dev.portico.core.Gateway;
import dev.portico.core.Http;
import dev.portico.core.RecordingUpstreamClient;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;

import static dev.portico.core.Http.assertError;
import static dev.portico.core.Http.get;
import static dev.portico.core.Http.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The built-in filters, checked by what the upstream receives and what the client gets back. */
class FiltersTest {

    private static final Upstream BACKEND = Upstream.of("backend", "http://backend:8080");

    private final RecordingUpstreamClient upstream = new RecordingUpstreamClient();

    private Request forwarded(String pattern, Filter filter, Request request) {
        Gateway gateway = Gateway.builder().route(Route.any(pattern).filter(filter).to(BACKEND)).build();
        Response response = Http.send(gateway, request, upstream);
        assertThat(response.status()).as("status for " + request).isEqualTo(200);
        return upstream.takeRequest();
    }

    private Request forwarded(String pattern, Filter filter, String target) {
        return forwarded(pattern, filter, get(target));
    }

    private Response answered(Filter filter, Response fromUpstream) {
        Gateway gateway = Gateway.builder().route(Route.get("/a").filter(filter).to(BACKEND)).build();
        upstream.enqueue(fromUpstream);
        return Http.send(gateway, get("/a"), upstream);
    }

    @Test
    void stripPrefixOneRemovesTheFirstSegment() {
        Request sent = forwarded("/api/**", Filters.stripPrefix(1), "/api/users/7?x=1");

        assertThat(sent.rawPath()).isEqualTo("/users/7");
        assertThat(sent.path()).isEqualTo("/users/7");
        assertThat(sent.rawQuery()).isEqualTo("x=1");
    }

    @Test
    void stripPrefixTwoRemovesTwoSegments() {
        assertThat(forwarded("/api/**", Filters.stripPrefix(2), "/api/v1/users/7").rawPath()).isEqualTo("/users/7");
    }

    @Test
    void stripPrefixKeepsTheRestEncodedAsSent() {
        Request sent = forwarded("/api/**", Filters.stripPrefix(1), "/api/a%20b/caf%C3%A9");

        assertThat(sent.rawPath()).isEqualTo("/a%20b/caf%C3%A9");
        assertThat(sent.path()).isEqualTo("/a b/café");
    }

    @Test
    void stripPrefixKeepsATrailingSlash() {
        assertThat(forwarded("/api/**", Filters.stripPrefix(1), "/api/users/").rawPath()).isEqualTo("/users/");
    }

    @Test
    void strippingEverySegmentLeavesTheRoot() {
        assertThat(forwarded("/api/**", Filters.stripPrefix(1), "/api").rawPath()).isEqualTo("/");
        assertThat(forwarded("/api/**", Filters.stripPrefix(1), "/api/").rawPath()).isEqualTo("/");
        assertThat(forwarded("/api/**", Filters.stripPrefix(2), "/api/v1").rawPath()).isEqualTo("/");
        assertThat(forwarded("/api/**", Filters.stripPrefix(5), "/api/v1/x").rawPath()).isEqualTo("/");
    }

    @Test
    void stripPrefixRejectsZeroOrNegativeCounts() {
        assertThatThrownBy(() -> Filters.stripPrefix(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("segments: 0");
        assertThatThrownBy(() -> Filters.stripPrefix(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void prefixPathPrependsAPrefix() {
        Request sent = forwarded("/**", Filters.prefixPath("/v2"), "/users/7?x=1");

        assertThat(sent.rawPath()).isEqualTo("/v2/users/7");
        assertThat(sent.rawQuery()).isEqualTo("x=1");
    }

    @Test
    void prefixPathEncodesTheDecodedPrefix() {
        Request sent = forwarded("/**", Filters.prefixPath("/my api"), "/users");

        assertThat(sent.rawPath()).isEqualTo("/my%20api/users");
        assertThat(sent.path()).isEqualTo("/my api/users");
    }

    @Test
    void prefixPathOnTheRootKeepsItsSlash() {
        assertThat(forwarded("/**", Filters.prefixPath("/v2"), "/").rawPath()).isEqualTo("/v2/");
    }

    @Test
    void prefixPathRejectsATrailingSlashOrARelativePrefix() {
        assertThatThrownBy(() -> Filters.prefixPath("/v2/"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trailing slash");
        assertThatThrownBy(() -> Filters.prefixPath("v2")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void stripThenPrefixComposeInListOrder() {
        Gateway gateway = Gateway.builder()
                .route(Route.get("/api/**").filters(Filters.stripPrefix(1), Filters.prefixPath("/internal")).to(BACKEND))
                .build();

        Http.send(gateway, get("/api/users"), upstream);

        assertThat(upstream.takeRequest().rawPath()).isEqualTo("/internal/users");
    }

    @Test
    void rewritePathFillsTheTemplateWithCaptures() {
        Request sent = forwarded("/api/users/{id}", Filters.rewritePath("/users/{id}"), "/api/users/42?fields=name");

        assertThat(sent.rawPath()).isEqualTo("/users/42");
        assertThat(sent.rawQuery()).isEqualTo("fields=name");
    }

    @Test
    void rewritePathEncodesSpacesInCaptures() {
        Request sent = forwarded("/api/users/{id}", Filters.rewritePath("/users/{id}"), "/api/users/ann%20b");

        assertThat(sent.rawPath()).isEqualTo("/users/ann%20b");
        assertThat(sent.path()).isEqualTo("/users/ann b");
    }

    @Test
    void rewritePathEncodesUnicodeCapturesAsUtf8() {
        Request sent = forwarded("/api/users/{id}", Filters.rewritePath("/users/{id}"), "/api/users/caf%C3%A9%E2%82%AC");

        assertThat(sent.rawPath()).isEqualToIgnoringCase("/users/caf%C3%A9%E2%82%AC");
        assertThat(sent.path()).isEqualTo("/users/café€");
    }

    @Test
    void rewritePathEncodesCaptureCharactersThatWouldEndOrSplitThePath() {
        Request sent = forwarded("/api/users/{id}", Filters.rewritePath("/users/{id}/profile"),
                "/api/users/a%3Fb%23c%25d%20e");

        assertThat(sent.rawPath()).isEqualToIgnoringCase("/users/a%3Fb%23c%25d%20e/profile");
        assertThat(sent.rawPath()).doesNotContain("?", "#");
        assertThat(sent.path()).isEqualTo("/users/a?b#c%d e/profile");
        assertThat(sent.rawQuery()).isNull();
    }

    @Test
    void rewritePathEncodesCapturesThatLookLikeEncodingOrDotSegments() {
        Request sent = forwarded("/api/{a}/{b}", Filters.rewritePath("/x/{b}/{a}"), "/api/%2541/...");

        assertThat(sent.rawPath()).isEqualTo("/x/.../%2541");
        assertThat(sent.path()).isEqualTo("/x/.../%41");
    }

    @Test
    void rewritePathUsesEveryCaptureAndEncodesTheTemplateText() {
        Request sent = forwarded("/orders/{order}/items/{item}", Filters.rewritePath("/my shop/{item}-of-{order}"),
                "/orders/7/items/x");

        assertThat(sent.rawPath()).isEqualTo("/my%20shop/x-of-7");
    }

    @Test
    void rewritePathWithAnUnknownCaptureFailsTheRequestWith500() {
        Gateway gateway = Gateway.builder()
                .route(Route.get("/users/{id}").filter(Filters.rewritePath("/u/{name}")).to(BACKEND))
                .build();

        Response response = Http.send(gateway, get("/users/1"), upstream);

        assertError(response, 500, "internal_error");
        assertThat(upstream.callCount()).isZero();
    }

    @Test
    void rewritePathRejectsMalformedTemplates() {
        assertThatThrownBy(() -> Filters.rewritePath("users/{id}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("starts with '/'");
        assertThatThrownBy(() -> Filters.rewritePath("/users/{}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("template");
        assertThatThrownBy(() -> Filters.rewritePath("/users/{id"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("template");
        assertThatThrownBy(() -> Filters.rewritePath("/users/id}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("template");
    }

    @Test
    void addRequestHeaderKeepsTheClientsValues() {
        Request sent = forwarded("/a", Filters.addRequestHeader("X-Tag", "gateway"),
                request("GET", "/a").addHeader("x-tag", "client").build());

        assertThat(sent.headers().getAll("X-Tag")).containsExactly("client", "gateway");
    }

    @Test
    void setRequestHeaderReplacesEveryClientValue() {
        Request sent = forwarded("/a", Filters.setRequestHeader("X-Tag", "gateway"),
                request("GET", "/a").addHeader("X-Tag", "one").addHeader("x-TAG", "two").build());

        assertThat(sent.headers().getAll("X-Tag")).containsExactly("gateway");
    }

    @Test
    void removeRequestHeaderRemovesEveryValueWhateverTheCase() {
        Request sent = forwarded("/a", Filters.removeRequestHeader("X-Debug"),
                request("GET", "/a").addHeader("x-debug", "1").addHeader("X-DEBUG", "2").header("X-Keep", "k").build());

        assertThat(sent.headers().contains("X-Debug")).isFalse();
        assertThat(sent.header("X-Keep")).isEqualTo("k");
    }

    @Test
    void addResponseHeaderKeepsTheUpstreamsValues() {
        Response response = answered(Filters.addResponseHeader("Vary", "Origin"),
                Response.builder(200).header("Vary", "Accept").build());

        assertThat(response.headers().getAll("Vary")).containsExactly("Accept", "Origin");
    }

    @Test
    void setResponseHeaderReplacesTheUpstreamsValues() {
        Response response = answered(Filters.setResponseHeader("Cache-Control", "no-store"),
                Response.builder(200).addHeader("cache-control", "max-age=60").addHeader("Cache-Control", "public").build());

        assertThat(response.headers().getAll("Cache-Control")).containsExactly("no-store");
    }

    @Test
    void removeResponseHeaderRemovesEveryValue() {
        Response response = answered(Filters.removeResponseHeader("Server"),
                Response.builder(200).addHeader("server", "nginx").addHeader("SERVER", "x").header("X-Keep", "k").build());

        assertThat(response.headers().contains("Server")).isFalse();
        assertThat(response.header("X-Keep")).isEqualTo("k");
    }

    @Test
    void responseHeaderFiltersApplyToGatewayErrorsToo() {
        Gateway gateway = Gateway.builder()
                .route(Route.get("/a").filter(Filters.setResponseHeader("X-Frame-Options", "DENY")).to(BACKEND))
                .build();
        upstream.enqueue(Response.error(503, "service_unavailable", "down"));

        Response response = Http.send(gateway, get("/a"), upstream);

        assertThat(response.status()).isEqualTo(503);
        assertThat(response.header("X-Frame-Options")).isEqualTo("DENY");
    }

    @Test
    void headerFiltersRejectInvalidNamesAndValuesUpFront() {
        assertThatThrownBy(() -> Filters.addRequestHeader("X-A", "a\r\nInjected: 1"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Filters.setResponseHeader("Bad Name", "v"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Filters.removeRequestHeader("X:A"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Filters.host("a\nb")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void hostDefaultsToTheUpstreamAuthority() {
        Request sent = forwarded("/a", (request, chain) -> chain.proceed(request),
                request("GET", "/a").header("Host", "api.example.com").build());

        assertThat(sent.headers().getAll("Host")).containsExactly("backend:8080");
    }

    @Test
    void hostOmitsTheDefaultPortOfTheUpstream() {
        Gateway gateway = Gateway.builder().route(Route.get("/a").to(Upstream.of("plain", "http://plain.internal"))).build();

        Http.send(gateway, get("/a"), upstream);

        assertThat(upstream.takeRequest().header("Host")).isEqualTo("plain.internal");
    }

    @Test
    void preserveHostForwardsTheClientsHost() {
        Request sent = forwarded("/a", Filters.preserveHost(),
                request("GET", "/a").header("Host", "api.example.com:8443").build());

        assertThat(sent.headers().getAll("Host")).containsExactly("api.example.com:8443");
    }

    @Test
    void preserveHostFallsBackToTheUpstreamAuthorityWithoutAClientHost() {
        Request sent = forwarded("/a", Filters.preserveHost(), request("GET", "/a").removeHeader("Host").build());

        assertThat(sent.headers().getAll("Host")).containsExactly("backend:8080");
    }

    @Test
    void hostFilterForwardsTheGivenHost() {
        Request sent = forwarded("/a", Filters.host("api.internal.example"),
                request("GET", "/a").header("Host", "api.example.com").build());

        assertThat(sent.headers().getAll("Host")).containsExactly("api.internal.example");
    }

    @Test
    void hostFilterKeepsTheClientsHostInTheForwardingHeaders() {
        Request sent = forwarded("/a", Filters.host("api.internal.example"),
                request("GET", "/a").header("Host", "api.example.com").build());

        assertThat(sent.header("X-Forwarded-Host")).isEqualTo("api.example.com");
        assertThat(sent.header("Forwarded")).contains("host=api.example.com");
    }
}
