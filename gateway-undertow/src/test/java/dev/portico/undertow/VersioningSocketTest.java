package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.filter.Filters;
import dev.portico.core.upstream.Upstream;
import dev.portico.core.version.ApiVersions;
import dev.portico.core.version.Deprecation;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Route selection by API version from the path, a header and the {@code Accept} media type, through a real gateway
 * and backend: the default, unknown and conflicting versions, and the deprecation headers of an old version.
 */
class VersioningSocketTest {

    private static final Instant DEPRECATED = Instant.parse("2025-03-01T00:00:00Z");
    private static final Instant SUNSET = Instant.parse("2026-09-01T12:30:00Z");
    private static final URI NOTICE = URI.create("https://developer.example.com/deprecation/v1");

    private final BlockingQueue<String> versionsSeen = new LinkedBlockingQueue<>();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Backend backend;
    private PorticoServer gateway;

    @BeforeEach
    void start() {
        backend = Backend.start(exchange -> {
            versionsSeen.add(String.valueOf(exchange.getRequestHeaders().getFirst("API-Version")));
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
            exchange.getResponseHeaders().put(Headers.VARY, "Accept-Encoding");
            exchange.getResponseHeaders().put(HttpString.tryFromString("Link"), "</api/products?page=2>; rel=\"next\"");
            exchange.getResponseSender().send("{\"path\":\"" + exchange.getRequestPath() + "\"}");
        });
        Upstream app = Upstream.of("app", backend.url());
        ApiVersions versions = ApiVersions.builder()
                .path("/api")
                .header("API-Version")
                .mediaType("application/vnd.example")
                .deprecated("1", Deprecation.builder(DEPRECATED).sunset(SUNSET).link(NOTICE).build())
                .versions("2", "3")
                .defaultVersion("2")
                .build();
        gateway = PorticoServer.start(Gateway.builder()
                .edgeFilter(versions)
                .route(Route.get("/api/v1/products/{id}").id("v1-by-path")
                        .filter(Filters.setResponseHeader("X-Route", "v1-by-path")).to(app))
                .route(Route.get("/api/products/{id}").id("v1").matching(versions.is("1"))
                        .filter(Filters.setResponseHeader("X-Route", "v1")).to(app))
                .route(Route.get("/api/products/{id}").id("v3").matching(versions.is("3"))
                        .filter(Filters.setResponseHeader("X-Route", "v3")).to(app))
                .route(Route.get("/api/products/{id}").id("current")
                        .filter(Filters.setResponseHeader("X-Route", "current")).to(app))
                .route(Route.get("/legacy/{id}").id("legacy")
                        .filter(Deprecation.builder(DEPRECATED).build()).to(app))
                .build(), "127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        gateway.stop(Duration.ZERO);
        backend.close();
    }

    private HttpResponse<String> get(String target, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + target))
                .timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String route(HttpResponse<String> response) {
        return response.headers().firstValue("X-Route").orElse(null);
    }

    @Test
    void selectsTheVersionThePathNamesAndMarksItDeprecated() throws Exception {
        HttpResponse<String> response = get("/api/v1/products/7");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(route(response)).isEqualTo("v1-by-path");
        assertThat(versionsSeen.take()).isEqualTo("1");
        assertThat(response.headers().allValues("Deprecation")).containsExactly("@" + DEPRECATED.getEpochSecond());
        assertThat(response.headers().allValues("Sunset")).containsExactly("Tue, 01 Sep 2026 12:30:00 GMT");
        assertThat(response.headers().allValues("Link")).containsExactly(
                "</api/products?page=2>; rel=\"next\"", "<https://developer.example.com/deprecation/v1>; rel=\"deprecation\"");
    }

    @Test
    void selectsTheVersionAHeaderNames() throws Exception {
        HttpResponse<String> response = get("/api/products/7", "API-Version", "3");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(route(response)).isEqualTo("v3");
        assertThat(versionsSeen.take()).isEqualTo("3");
        assertThat(response.headers().firstValue("Deprecation")).isEmpty();
    }

    @Test
    void selectsTheVersionTheAcceptMediaTypeNames() throws Exception {
        HttpResponse<String> response = get("/api/products/7", "Accept", "text/html, application/vnd.example.v1+json;q=0.9");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(route(response)).isEqualTo("v1");
        assertThat(versionsSeen.take()).isEqualTo("1");
        assertThat(response.headers().allValues("Deprecation")).containsExactly("@" + DEPRECATED.getEpochSecond());
    }

    @Test
    void aRequestThatNamesNoVersionGetsTheDefault() throws Exception {
        HttpResponse<String> response = get("/api/products/7", "Accept", "application/json");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(route(response)).isEqualTo("current");
        assertThat(versionsSeen.take()).isEqualTo("2");
        assertThat(response.headers().firstValue("Deprecation")).isEmpty();
        assertThat(response.headers().allValues("Vary")).containsExactly("Accept-Encoding", "API-Version", "Accept");
    }

    @Test
    void aMediaTypeAndAHeaderThatAgreeSelectTheirVersion() throws Exception {
        HttpResponse<String> response = get("/api/products/7", "Accept", "application/vnd.example.v3+json",
                "API-Version", "3");

        assertThat(route(response)).isEqualTo("v3");
        assertThat(versionsSeen.take()).isEqualTo("3");
    }

    @Test
    void answersAnUnknownVersionWith400FromEverySource() throws Exception {
        for (HttpResponse<String> response : new HttpResponse[] {
                get("/api/v9/products/7"),
                get("/api/products/7", "API-Version", "9"),
                get("/api/products/7", "Accept", "application/vnd.example.v9+json")}) {
            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(RawHttp.withoutRequestId(response.body(), response.headers().firstValue("X-Request-Id").orElse(null)))
                .isEqualTo(
                    "{\"error\":\"unsupported_api_version\",\"message\":\"unsupported API version 9 (supported: 1, 2, 3)\"}");
        }
        assertThat(versionsSeen).isEmpty();
    }

    @Test
    void answersSourcesThatDisagreeWith400() throws Exception {
        HttpResponse<String> response = get("/api/v1/products/7", "API-Version", "3");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(RawHttp.withoutRequestId(response.body(), response.headers().firstValue("X-Request-Id").orElse(null)))
                .isEqualTo(
                "{\"error\":\"bad_request\",\"message\":\"the request names two API versions: 1 and 3\"}");
        assertThat(versionsSeen).isEmpty();
    }

    @Test
    void aPathSegmentThatIsNoVersionLeavesRoutingAlone() throws Exception {
        HttpResponse<String> response = get("/api/vip/products/7");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).contains("\"error\":\"not_found\"");
    }

    @Test
    void aDeprecationFilterMarksOneRoute() throws Exception {
        HttpResponse<String> response = get("/legacy/7");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().allValues("Deprecation")).containsExactly("@1740787200");
        assertThat(response.headers().firstValue("Sunset")).isEmpty();
        assertThat(response.headers().allValues("Link")).containsExactly("</api/products?page=2>; rel=\"next\"");
    }
}
