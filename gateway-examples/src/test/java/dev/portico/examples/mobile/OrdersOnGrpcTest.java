package dev.portico.examples.mobile;

import com.google.gson.JsonArray;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;

import static dev.portico.examples.mobile.Http.error;
import static dev.portico.examples.mobile.Http.json;
import static org.assertj.core.api.Assertions.assertThat;

/** EXAMPLE.md's "Orders on gRPC": the order routes transcoded to the gRPC order service, the REST contract unchanged. */
class OrdersOnGrpcTest {

    private static DemoConfig config(Duration delay, Duration routeTimeout, String failService) {
        return new DemoConfig(0, delay, routeTimeout, failService);
    }

    @Test
    void theServicesValidationErrorsComeBackAs400WithTheirReason() throws Exception {
        try (MobileDemo demo = MobileDemo.start(config(Duration.ZERO, Duration.ofSeconds(2), null))) {
            Http http = new Http(demo.port());

            HttpResponse<String> unknown = http.post("/api/orders", "{\"productId\":\"p999\",\"quantity\":1}",
                    "Authorization", Http.bearer("bob"));
            HttpResponse<String> typed = http.post("/api/orders", "{\"productId\":\"p1\",\"quantity\":\"2\"}",
                    "Authorization", Http.bearer("bob"));

            assertThat(unknown.statusCode()).isEqualTo(400);
            assertThat(json(unknown).getAsJsonObject().get("message").getAsString()).isEqualTo("productId p999 is not a product");
            assertThat(typed.statusCode()).isEqualTo(400);
            assertThat(json(typed).getAsJsonObject().get("message").getAsString()).isEqualTo("quantity must be an integer");
        }
    }

    @Test
    void aUserWithoutOrdersGetsAnEmptyArray() throws Exception {
        try (MobileDemo demo = MobileDemo.start(config(Duration.ZERO, Duration.ofSeconds(2), null))) {
            HttpResponse<String> response = new Http(demo.port()).get("/api/orders", "Authorization", Http.bearer("carol"));

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(json(response).getAsJsonArray()).isEqualTo(new JsonArray());
        }
    }

    @Test
    void aFailingOrderServiceGives502AndASlowOne504() throws Exception {
        try (MobileDemo failing = MobileDemo.start(config(Duration.ZERO, Duration.ofSeconds(2), "order"))) {
            HttpResponse<String> response = new Http(failing.port()).get("/api/orders", "Authorization", Http.bearer("alice"));

            assertThat(response.statusCode()).isEqualTo(502);
            assertThat(error(response)).isEqualTo("bad_gateway");
        }
        try (MobileDemo slow = MobileDemo.start(config(Duration.ofMillis(500), Duration.ofMillis(150), null))) {
            long start = System.nanoTime();
            HttpResponse<String> response = new Http(slow.port()).get("/api/orders", "Authorization", Http.bearer("alice"));
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

            assertThat(response.statusCode()).isEqualTo(504);
            assertThat(error(response)).isEqualTo("gateway_timeout");
            assertThat(elapsed).isLessThan(Duration.ofSeconds(2));
        }
    }
}
