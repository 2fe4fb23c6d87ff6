package dev.portico.examples.mobile;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import static dev.portico.examples.mobile.Http.error;
import static dev.portico.examples.mobile.Http.json;
import static org.assertj.core.api.Assertions.assertThat;

/** The demo's deprecated {@code /api/v1/products/{id}}: the legacy shape and {@code Deprecation}, beside the current route. */
class LegacyProductsTest {

    private static final String DEPRECATION = "@" + Instant.parse("2025-01-01T00:00:00Z").getEpochSecond();

    private static MobileDemo demo;
    private static Http http;

    @BeforeAll
    static void start() {
        demo = MobileDemo.start(new DemoConfig(0, Duration.ZERO, Duration.ofSeconds(2), null));
        http = new Http(demo.port());
    }

    @AfterAll
    static void stop() {
        demo.close();
    }

    @Test
    void versionOneRenamesNameToTitleAndIsDeprecated() throws Exception {
        HttpResponse<String> response = http.get("/api/v1/products/p2");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"id\":\"p2\",\"title\":\"Phone Case\",\"priceCents\":1499}");
        assertThat(response.headers().firstValue("Content-Length"))
                .hasValue(Integer.toString(response.body().getBytes(StandardCharsets.UTF_8).length));
        assertThat(response.headers().allValues("Deprecation")).containsExactly(DEPRECATION);
        assertThat(response.headers().allValues("Link"))
                .containsExactly("<https://developer.mobile.example/deprecation/v1>; rel=\"deprecation\"");
    }

    @Test
    void theCurrentRouteKeepsNameAndCarriesNoDeprecation() throws Exception {
        HttpResponse<String> response = http.get("/api/products/p2");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonObject product = json(response).getAsJsonObject();
        assertThat(product.keySet()).containsExactly("id", "name", "priceCents");
        assertThat(response.headers().firstValue("Deprecation")).isEmpty();
    }

    @Test
    void versionOnePassesTheServicesNotFoundThroughStillDeprecated() throws Exception {
        HttpResponse<String> response = http.get("/api/v1/products/p999");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(error(response)).isEqualTo("not_found");
        assertThat(response.headers().allValues("Deprecation")).containsExactly(DEPRECATION);
    }
}
