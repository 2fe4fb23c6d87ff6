package dev.portico.examples.guide;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.google.gson.JsonObject;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.auth.JwtAuth;
import dev.portico.core.upstream.Upstream;
import dev.portico.test.GatewayTester;
import dev.portico.test.Stub;
import dev.portico.test.TestResponse;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The guide's example gateways, tested in memory with the test kit: they do what the docs say they do. */
class GuideExamplesKitTest {

    private static final byte[] SECRET = "a-guide-secret-of-at-least-32-bytes!".getBytes(StandardCharsets.UTF_8);

    @Test
    void routesMatchLiteralsBeforeCapturesAndRewriteThePath() {
        GatewayTester tester = GatewayTester.of(GuideExamples.routes())
                .stub("users", request -> Response.text(200, request.path()))
                .build();

        assertThat(tester.get("/api/users/me").send().bodyText()).isEqualTo("/api/users/me");
        assertThat(tester.get("/api/users/42").send().bodyText()).isEqualTo("/users/42");
        assertThat(tester.get("/health").send().json().getAsJsonObject().get("status").getAsString()).isEqualTo("UP");
        assertThat(tester.get("/api/admin/stats").header("X-Admin-Token", "t").send().status())
                .as("another host").isEqualTo(404);
        assertThat(tester.get("/api/admin/stats").header("Host", "admin.example.com").header("X-Admin-Token", "t")
                .send().status()).isEqualTo(200);
        assertThat(tester.request("DELETE", "/api/admin/stats").header("Host", "admin.example.com")
                .header("X-Admin-Token", "t").send().status()).isEqualTo(405);
    }

    @Test
    void routesTimeOutAfterTwoSecondsOnTheClock() {
        GatewayTester tester = GatewayTester.of(GuideExamples.routes()).stub("users", Stub.noAnswer()).build();

        TestResponse response = tester.get("/api/users/42").send();

        assertThat(response.status()).isEqualTo(504);
        assertThat(tester.clock().elapsed()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void limitsRefuseMoreHeaderFieldsThanAllowed() {
        GatewayTester tester = GatewayTester.of(GuideExamples.limits())
                .stub("app", request -> Response.text(200, "ok"))
                .build();
        var request = tester.get("/anything");
        for (int i = 0; i < 64; i++) {
            request.header("X-Field-" + i, "v");
        }

        TestResponse response = request.send();

        assertThat(response.status()).isEqualTo(431);
        assertThat(response.json().getAsJsonObject().get("error").getAsString())
                .isEqualTo("request_header_fields_too_large");
        assertThat(tester.requests("app")).isEmpty();
    }

    @Test
    void responseShapeEditsTheOrderForMobile() {
        GatewayTester tester = GatewayTester.of(TransformExamples.responseShape(Upstream.of("orders", "http://o:8080")))
                .stub("orders", request -> Response.json(200, "{\"customer\":{\"name\":\"Ann\",\"internalNotes\":\"vip\"},"
                        + "\"items\":[{\"sku\":\"p1\",\"priceCents\":250}]}"))
                .build();

        JsonObject order = tester.get("/api/orders/7").send().json().getAsJsonObject();

        assertThat(order.getAsJsonObject("customer").has("internalNotes")).isFalse();
        JsonObject item = order.getAsJsonArray("items").get(0).getAsJsonObject();
        assertThat(item.get("productId").getAsString()).isEqualTo("p1");
        assertThat(item.get("priceCents").getAsDouble()).isEqualTo(2.5);
        assertThat(item.get("currency").getAsString()).isEqualTo("EUR");
        assertThat(order.getAsJsonObject("meta").get("schema").getAsString()).isEqualTo("mobile-order/1");
    }

    @Test
    void dashboardDropsALateOptionalPartAndCallsWithTheCallersSubject() {
        JwtAuth jwt = JwtAuth.builder().hs256(SECRET).build();
        GatewayTester tester = GatewayTester.of(AggregationExamples.dashboard(jwt, Upstream.of("users", "http://u:8080"),
                        Upstream.of("orders", "http://o:8080"), Upstream.of("products", "http://p:8080")))
                .stub("users", request -> Response.json(200, "{\"name\":\"Ann\"}"))
                .stub("orders", request -> Response.json(200, "[{\"id\":\"o1\"}]"))
                .stub("products", Stub.delayed(Duration.ofSeconds(1), request -> Response.json(200, "[]")))
                .build();
        String token = JWT.create().withSubject("ann").withExpiresAt(Instant.now().plusSeconds(300))
                .sign(Algorithm.HMAC256(SECRET));

        TestResponse dashboard = tester.get("/api/dashboard").header("Authorization", "Bearer " + token).send();

        assertThat(dashboard.status()).isEqualTo(200);
        assertThat(dashboard.json().getAsJsonObject().get("recommendations").isJsonNull()).isTrue();
        assertThat(tester.clock().elapsed()).isEqualTo(Duration.ofMillis(300));
        assertThat(tester.requests("users")).extracting(Request::path).containsExactly("/users/ann");
        assertThat(tester.requests("orders").get(0).queryParam("userId")).isEqualTo("ann");
    }

    @Test
    void perClientIpLimitCountsEachAddress() {
        GatewayTester tester = GatewayTester.of(RateLimitExamples.perClientIp(Upstream.of("app", "http://a:8080")))
                .stub("app", request -> Response.text(200, "ok"))
                .build();

        TestResponse first = tester.get("/api/items").from("203.0.113.9").send();

        assertThat(first.header("X-RateLimit-Limit")).isEqualTo("600");
        assertThat(first.header("X-RateLimit-Remaining")).isEqualTo("599");
        assertThat(tester.get("/api/items").from("203.0.113.10").send().header("X-RateLimit-Remaining")).isEqualTo("599");
    }
}
