package dev.portico.examples.mobile;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.time.Duration;

import static dev.portico.examples.mobile.Http.error;
import static dev.portico.examples.mobile.Http.json;
import static org.assertj.core.api.Assertions.assertThat;

/** EXAMPLE.md's Dashboard: the caller's user, orders and recommendations in one round trip, partial when a part fails. */
class DashboardTest {

    private static DemoConfig config(Duration delay, Duration routeTimeout, String failService) {
        return new DemoConfig(0, delay, routeTimeout, failService);
    }

    @Test
    void answersTheCallersUserOrdersAndRecommendations() throws Exception {
        try (MobileDemo demo = MobileDemo.start(config(Duration.ZERO, Duration.ofSeconds(2), null))) {
            HttpResponse<String> response = new Http(demo.port()).get("/api/dashboard", "Authorization", Http.bearer("alice"));

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(response.headers().firstValue("X-Gateway-Partial")).isEmpty();
            JsonObject dashboard = json(response).getAsJsonObject();
            assertThat(dashboard.keySet()).containsExactly("user", "orders", "recommendations");
            assertThat(dashboard.getAsJsonObject("user").get("id").getAsString()).isEqualTo("alice");
            assertThat(dashboard.getAsJsonArray("orders")).isNotEmpty().allSatisfy(order ->
                    assertThat(order.getAsJsonObject().get("userId").getAsString()).isEqualTo("alice"));
            assertThat(dashboard.getAsJsonArray("recommendations")).isNotEmpty().allSatisfy(product ->
                    assertThat(product.getAsJsonObject().keySet()).containsExactly("id", "name", "priceCents"));
        }
    }

    @Test
    void requiresAToken() throws Exception {
        try (MobileDemo demo = MobileDemo.start(config(Duration.ZERO, Duration.ofSeconds(2), null))) {
            HttpResponse<String> response = new Http(demo.port()).get("/api/dashboard", "X-User-Id", "alice");

            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).isPresent();
            assertThat(error(response)).isEqualTo("unauthorized");
        }
    }

    @ParameterizedTest
    @CsvSource({"user, user", "order, orders", "product, recommendations"})
    void aFailingServiceLeavesItsPartNullAndMarksTheAnswerPartial(String service, String part) throws Exception {
        try (MobileDemo demo = MobileDemo.start(config(Duration.ZERO, Duration.ofSeconds(2), service))) {
            HttpResponse<String> response = new Http(demo.port()).get("/api/dashboard", "Authorization", Http.bearer("bob"));

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("X-Gateway-Partial")).hasValue("true");
            JsonObject dashboard = json(response).getAsJsonObject();
            assertThat(dashboard.keySet()).containsExactly("user", "orders", "recommendations");
            for (String name : dashboard.keySet()) {
                JsonElement value = dashboard.get(name);
                assertThat(value.isJsonNull()).as(name).isEqualTo(name.equals(part));
            }
        }
    }

    @Test
    void fetchesThePartsConcurrently() throws Exception {
        try (MobileDemo demo = MobileDemo.start(config(Duration.ofMillis(200), Duration.ofSeconds(2), null))) {
            Http http = new Http(demo.port());
            http.get("/api/dashboard", "Authorization", Http.bearer("carol")); // first connections

            long start = System.nanoTime();
            HttpResponse<String> response = http.get("/api/dashboard", "Authorization", Http.bearer("carol"));
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("X-Gateway-Partial")).isEmpty();
            assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(195)).isLessThan(Duration.ofMillis(400));
        }
    }

    @Test
    void whenEveryPartTimesOutAnswers504WithinAboutOneRouteTimeout() throws Exception {
        try (MobileDemo demo = MobileDemo.start(config(Duration.ofMillis(600), Duration.ofMillis(150), null))) {
            long start = System.nanoTime();
            HttpResponse<String> response = new Http(demo.port()).get("/api/dashboard", "Authorization", Http.bearer("alice"));
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(response.statusCode()).isEqualTo(504);
            assertThat(error(response)).isEqualTo("gateway_timeout");
            assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(140)).isLessThan(Duration.ofMillis(550));
        }
    }
}
