package dev.portico.examples.mobile;

import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;

import static dev.portico.examples.mobile.Http.error;
import static org.assertj.core.api.Assertions.assertThat;

class SlowOrFailingServiceTest {

    @Test
    void passesTheFailingServicesStatus500ThroughAndKeepsTheOthersUp() throws Exception {
        try (MobileDemo demo = MobileDemo.start(new DemoConfig(0, Duration.ZERO, Duration.ofSeconds(2), "product"))) {
            Http http = new Http(demo.port());

            HttpResponse<String> products = http.get("/api/products");
            assertThat(products.statusCode()).isEqualTo(500);
            assertThat(error(products)).isEqualTo("internal_error");
            assertThat(http.get("/api/users/me", "X-User-Id", "alice").statusCode()).isEqualTo(200);
            assertThat(http.get("/health").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void delaysEveryServiceResponse() throws Exception {
        try (MobileDemo demo = MobileDemo.start(new DemoConfig(0, Duration.ofMillis(200), Duration.ofSeconds(2), null))) {
            Http http = new Http(demo.port());

            long start = System.nanoTime();
            HttpResponse<String> response = http.get("/api/products/p1");
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(elapsed).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        }
    }

    @Test
    void answers504WhenTheServiceIsSlowerThanTheRouteTimeout() throws Exception {
        try (MobileDemo demo = MobileDemo.start(new DemoConfig(0, Duration.ofMillis(300), Duration.ofMillis(100), null))) {
            Http http = new Http(demo.port());
            assertThat(http.get("/health").statusCode()).isEqualTo(200);

            long start = System.nanoTime();
            HttpResponse<String> response = http.get("/api/products");
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

            assertThat(response.statusCode()).isEqualTo(504);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(error(response)).isEqualTo("gateway_timeout");
            assertThat(elapsed).isGreaterThanOrEqualTo(Duration.ofMillis(90)).isLessThan(Duration.ofSeconds(1));
        }
    }
}
