package dev.portico.examples.mobile;

import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static dev.portico.examples.mobile.Http.error;
import static org.assertj.core.api.Assertions.assertThat;

class SlowOrFailingServiceTest {

    @Test
    void aFailingServicesStatus500BecomesTheGateways502JsonAndTheOthersStayUp() throws Exception {
        try (MobileDemo demo = MobileDemo.start(new DemoConfig(0, Duration.ZERO, Duration.ofSeconds(2), "product"))) {
            Http http = new Http(demo.port());

            HttpResponse<String> products = http.get("/api/products");
            assertThat(products.statusCode()).isEqualTo(502);
            assertThat(products.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(error(products)).isEqualTo("bad_gateway");
            assertThat(products.body()).doesNotContain("Exception");
            assertThat(http.get("/api/users/me", "Authorization", Http.bearer("alice")).statusCode()).isEqualTo(200);
            assertThat(http.get("/health").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aServicesOwn4xxPassesThroughUnchanged() throws Exception {
        try (MobileDemo demo = MobileDemo.start(new DemoConfig(0, Duration.ZERO, Duration.ofSeconds(2), null))) {
            Http http = new Http(demo.port());

            HttpResponse<String> unknown = http.get("/api/products/no-such-product");

            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.body()).as("the service's own answer").contains("no product no-such-product");
        }
    }

    @Test
    void theBreakerOpensAfterTenFailuresAndAnswers503WithRetryAfterWhileTheServiceIsNotCalled() throws Exception {
        try (MobileDemo demo = MobileDemo.start(new DemoConfig(0, Duration.ZERO, Duration.ofSeconds(2), "product"))) {
            Http http = new Http(demo.port());
            for (int i = 0; i < 10; i++) {
                assertThat(http.get("/api/products").statusCode()).as("call %d reaches the failing service", i).isEqualTo(502);
            }

            HttpResponse<String> open = http.get("/api/products/p1");

            assertThat(open.statusCode()).isEqualTo(503);
            assertThat(error(open)).isEqualTo("service_unavailable");
            assertThat(open.headers().firstValue("Retry-After")).hasValueSatisfying(
                    seconds -> assertThat(Integer.parseInt(seconds)).isBetween(1, 10));
            assertThat(http.get("/api/users/me", "Authorization", Http.bearer("alice")).statusCode())
                    .as("the user service has its own breaker").isEqualTo(200);
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

    /** A delayed service must still answer a body that arrives after its first read, not end the exchange empty. */
    @Test
    void aDelayedServiceAnswersABodyThatArrivesLate() throws Exception {
        try (MobileDemo demo = MobileDemo.start(new DemoConfig(0, Duration.ofMillis(50), Duration.ofSeconds(2), null));
             Socket client = new Socket("127.0.0.1", demo.port())) {
            client.setSoTimeout(10_000);
            String body = "{\"productId\":\"p1\",\"quantity\":1}";
            OutputStream out = client.getOutputStream();
            out.write(("POST /api/orders HTTP/1.1\r\nHost: x\r\nAuthorization: " + Http.bearer("alice") + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            Thread.sleep(200); // the gateway sends the head on; the service reads it before the body exists
            out.write(body.getBytes(StandardCharsets.UTF_8));
            out.flush();

            String response = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

            assertThat(response).startsWith("HTTP/1.1 201").contains("\"userId\":\"alice\"");
        }
    }
}
