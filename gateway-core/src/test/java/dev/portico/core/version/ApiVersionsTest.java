package dev.portico.core.version;

import dev.portico.core.Gateway;
import dev.portico.core.Http;
import dev.portico.core.RecordingUpstreamClient;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Version resolution in memory, and the checks that {@code build()} makes. */
class ApiVersionsTest {

    private static final Upstream BACKEND = Upstream.of("backend", "http://backend:8080");

    private final RecordingUpstreamClient upstream = new RecordingUpstreamClient();

    @Test
    void theResolvedVersionReplacesWhatTheClientSentInTheForwardedHeader() {
        ApiVersions versions = ApiVersions.builder().path("/").versions("1", "2").defaultVersion("2").build();
        Gateway gateway = Gateway.builder().edgeFilter(versions).route(Route.get("/**").to(BACKEND)).build();

        Response response = Http.send(gateway, Http.request("GET", "/users").header("API-Version", "1").build(), upstream);
        Http.send(gateway, Http.get("/v1/users"), upstream);

        assertThat(response.status()).isEqualTo(200);
        assertThat(upstream.takeRequest().headers().getAll("API-Version")).containsExactly("2");
        assertThat(upstream.takeRequest().headers().getAll("API-Version")).containsExactly("1");
        assertThat(response.headers().contains("Vary")).as("no header or media type source: nothing to vary by").isFalse();
    }

    @Test
    void readsVersionsWithDotsFromMediaTypesInAnyCase() {
        ApiVersions versions = ApiVersions.builder().mediaType("application/vnd.Example")
                .versions("1.1", "2").defaultVersion("2").build();
        Gateway gateway = Gateway.builder().edgeFilter(versions)
                .route(Route.get("/a").id("old").matching(versions.is("1.1")).to(BACKEND))
                .route(Route.get("/a").id("new").to(BACKEND))
                .build();

        Http.send(gateway, Http.request("GET", "/a").header("Accept", "APPLICATION/VND.EXAMPLE.V1.1+JSON").build(), upstream);

        assertThat(upstream.takeRequest().header("API-Version")).isEqualTo("1.1");
    }

    @Test
    void truncatesALongUnknownVersionInTheError() {
        ApiVersions versions = ApiVersions.builder().header("X-Version").versions("1").defaultVersion("1").build();
        Gateway gateway = Gateway.builder().edgeFilter(versions).route(Route.get("/a").to(BACKEND)).build();

        Response response = Http.send(gateway, Http.request("GET", "/a").header("X-Version", "9".repeat(100)).build(), upstream);

        Http.assertError(response, 400, "unsupported_api_version");
        assertThat(Http.json(response).get("message").getAsString())
                .isEqualTo("unsupported API version " + "9".repeat(32) + "... (supported: 1)");
    }

    @Test
    void buildChecksSourcesVersionsAndTheDefault() {
        assertThatThrownBy(() -> ApiVersions.builder().versions("1").defaultVersion("1").build())
                .hasMessage("sources: none (expected: path, header or mediaType)");
        assertThatThrownBy(() -> ApiVersions.builder().header("API-Version").versions("1").defaultVersion("2").build())
                .hasMessage("defaultVersion: 2 (expected: one of the versions [1])");
        assertThatThrownBy(() -> ApiVersions.builder().versions("v1"))
                .hasMessageStartingWith("version: v1 (expected: a digit");
        assertThatThrownBy(() -> ApiVersions.builder().path("/api/"))
                .hasMessage("prefix: /api/ (expected: starts with '/', no trailing '/')");
        assertThatThrownBy(() -> ApiVersions.builder().mediaType("application/vnd.example+json"))
                .hasMessage("type: application/vnd.example+json (expected: type/subtype without suffix or parameters)");
        ApiVersions versions = ApiVersions.builder().header("API-Version").versions("1").defaultVersion("1").build();
        assertThatThrownBy(() -> versions.is("2")).hasMessage("version: 2 (expected: one of 1)");
    }

    @Test
    void deprecationChecksItsSunsetAndLink() {
        Instant date = Instant.parse("2025-01-01T00:00:00Z");

        assertThatThrownBy(() -> Deprecation.builder(date).sunset(date.minusSeconds(1)))
                .hasMessageStartingWith("sunset: 2024-12-31T23:59:59Z (expected: not before the deprecation");
        assertThatThrownBy(() -> Deprecation.builder(date).link(URI.create("/docs")))
                .hasMessage("link: /docs (expected: an absolute URI)");
    }
}
