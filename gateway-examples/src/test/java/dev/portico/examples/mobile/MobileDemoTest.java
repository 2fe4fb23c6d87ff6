package dev.portico.examples.mobile;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static dev.portico.examples.mobile.Http.error;
import static dev.portico.examples.mobile.Http.json;
import static org.assertj.core.api.Assertions.assertThat;

class MobileDemoTest {

    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

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
    void listsTheProductCatalog() throws Exception {
        HttpResponse<String> response = http.get("/api/products");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonArray products = json(response).getAsJsonArray();
        assertThat(products).hasSize(20);
        for (JsonElement product : products) {
            assertThat(product.getAsJsonObject().keySet()).containsExactly("id", "name", "priceCents");
        }
    }

    @Test
    void returnsOneProduct() throws Exception {
        HttpResponse<String> response = http.get("/api/products/p2");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"id\":\"p2\",\"name\":\"Phone Case\",\"priceCents\":1499}");
    }

    @Test
    void passesTheServicesNotFoundThrough() throws Exception {
        HttpResponse<String> response = http.get("/api/products/p999");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(error(response)).isEqualTo("not_found");
        assertThat(json(response).getAsJsonObject().get("message").getAsString()).isEqualTo("no product p999");
    }

    @Test
    void servesTheVersionOneProductRouteFromTheProductService() throws Exception {
        HttpResponse<String> response = http.get("/api/v1/products/p2");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).getAsJsonObject().get("id").getAsString()).isEqualTo("p2");
    }

    @Test
    void returnsTheUserThatXUserIdNames() throws Exception {
        HttpResponse<String> response = http.get("/api/users/me", "Authorization", Http.bearer("bob"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"id\":\"bob\",\"name\":\"Bob Marley\",\"email\":\"bob@example.com\"}");
    }

    @Test
    void passesTheUserServicesErrorsThrough() throws Exception {
        assertThat(http.get("/api/users/me", "Authorization", Http.bearer("mallory")).statusCode()).isEqualTo(404);
    }

    @Test
    void theUserAndOrderRoutesRequireAToken() throws Exception {
        for (HttpResponse<String> response : List.of(http.get("/api/users/me"), http.get("/api/orders"),
                http.post("/api/orders", "{\"productId\":\"p1\",\"quantity\":1}"))) {
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(error(response)).isEqualTo("unauthorized");
            assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                    challenge -> assertThat(challenge).startsWith("Bearer realm=\"mobile\""));
        }
    }

    @Test
    void aTokenSignedWithAnotherKeyOrForAnotherAudienceIsRefused() throws Exception {
        String otherKey = DemoTokens.issue("another-secret-of-at-least-thirty-two-bytes", "alice", Duration.ofHours(1));
        String otherAudience = com.auth0.jwt.JWT.create().withIssuer(DemoTokens.ISSUER).withAudience("web-app")
                .withSubject("alice").withExpiresAt(java.time.Instant.now().plusSeconds(600))
                .sign(com.auth0.jwt.algorithms.Algorithm.HMAC256(
                        DemoConfig.DEFAULT_JWT_SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8)));

        for (String token : List.of(otherKey, otherAudience)) {
            HttpResponse<String> response = http.get("/api/users/me", "Authorization", "Bearer " + token);
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                    challenge -> assertThat(challenge).contains("error=\"invalid_token\""));
            assertThat(response.body()).doesNotContain(token);
        }
    }

    @Test
    void aForgedXUserIdNeverChoosesTheUser() throws Exception {
        HttpResponse<String> response = http.get("/api/users/me", "Authorization", Http.bearer("alice"),
                "X-User-Id", "bob", "x-user-id", "carol");

        assertThat(json(response).getAsJsonObject().get("id").getAsString()).isEqualTo("alice");
    }

    @Test
    void corsIsOpenToTheLocalWebAppOnly() throws Exception {
        HttpResponse<String> preflight = http.send("OPTIONS", "/api/orders", null, "Origin", "http://localhost:3000",
                "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type");
        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://localhost:3000");
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElse("").toLowerCase())
                .contains("authorization");
        assertThat(preflight.headers().allValues("Vary").toString()).contains("Origin");

        HttpResponse<String> actual = http.get("/api/products", "Origin", "http://localhost:3000");
        assertThat(actual.headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://localhost:3000");
        HttpResponse<String> other = http.get("/api/products", "Origin", "https://evil.example");
        assertThat(other.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }

    @Test
    void listsOnlyTheCallersOrders() throws Exception {
        HttpResponse<String> response = http.get("/api/orders", "Authorization", Http.bearer("alice"));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonArray orders = json(response).getAsJsonArray();
        assertThat(orders).isNotEmpty();
        for (JsonElement order : orders) {
            assertThat(order.getAsJsonObject().get("userId").getAsString()).isEqualTo("alice");
        }
    }

    @Test
    void placesAnOrderForXUserIdIgnoringTheBodysUserId() throws Exception {
        HttpResponse<String> response = http.post("/api/orders",
                "{\"productId\":\"p4\",\"quantity\":3,\"userId\":\"alice\"}",
                "Authorization", Http.bearer("carol"), "Content-Type", "application/json");

        assertThat(response.statusCode()).isEqualTo(201);
        JsonObject order = json(response).getAsJsonObject();
        assertThat(order.get("userId").getAsString()).isEqualTo("carol");
        assertThat(order.get("productId").getAsString()).isEqualTo("p4");
        assertThat(order.get("quantity").getAsInt()).isEqualTo(3);
        assertThat(order.get("totalCents").getAsLong()).isEqualTo(3 * 3499);
        String id = order.get("id").getAsString();

        JsonArray carols = json(http.get("/api/orders", "Authorization", Http.bearer("carol"))).getAsJsonArray();
        assertThat(carols).anySatisfy(o -> assertThat(o.getAsJsonObject().get("id").getAsString()).isEqualTo(id));
        JsonArray alices = json(http.get("/api/orders", "Authorization", Http.bearer("alice"))).getAsJsonArray();
        assertThat(alices).noneSatisfy(o -> assertThat(o.getAsJsonObject().get("id").getAsString()).isEqualTo(id));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "{\"productId\":",
        "[]",
        "null",
        "{productId:\"p1\",\"quantity\":1}",
        "{\"productId\":\"p1\",\"quantity\":1} {}",
        "{\"quantity\":1}",
        "{\"productId\":null,\"quantity\":1}",
        "{\"productId\":1,\"quantity\":1}",
        "{\"productId\":\"p999\",\"quantity\":1}",
        "{\"productId\":\"p1\"}",
        "{\"productId\":\"p1\",\"quantity\":\"2\"}",
        "{\"productId\":\"p1\",\"quantity\":1.5}",
        "{\"productId\":\"p1\",\"quantity\":0}",
        "{\"productId\":\"p1\",\"quantity\":-1}",
        "{\"productId\":\"p1\",\"quantity\":1e30}",
        "{\"productId\":\"p1\",\"quantity\":true}",
        "{\"productId\":\"p1\",\"quantity\":5,\"quantity\":-5}"})
    void rejectsAnInvalidOrderWith400(String body) throws Exception {
        HttpResponse<String> response = http.post("/api/orders", body, "Authorization", Http.bearer("bob"));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(error(response)).isEqualTo("bad_request");
    }

    @Test
    void rejectsABodyOverOneMebibyteWith413() throws Exception {
        HttpResponse<String> response = http.post("/api/orders", "x".repeat(1024 * 1024 + 1), "Authorization", Http.bearer("bob"));

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(error(response)).isEqualTo("payload_too_large");
    }

    @Test
    void answersHealthLocally() throws Exception {
        HttpResponse<String> response = http.get("/health");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"status\":\"UP\"}");
    }

    @Test
    void answersAnUnknownRouteWith404Json() throws Exception {
        HttpResponse<String> response = http.get("/api/nothing-here");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(error(response)).isEqualTo("not_found");
    }

    @Test
    void answersAWrongMethodWith405AndAllow() throws Exception {
        HttpResponse<String> products = http.send("DELETE", "/api/products", null);
        assertThat(products.statusCode()).isEqualTo(405);
        assertThat(products.headers().firstValue("Allow")).hasValue("GET, HEAD");
        assertThat(error(products)).isEqualTo("method_not_allowed");

        HttpResponse<String> orders = http.send("PUT", "/api/orders", "{}", "Authorization", Http.bearer("bob"));
        assertThat(orders.statusCode()).isEqualTo(405);
        assertThat(orders.headers().firstValue("Allow")).hasValue("GET, HEAD, POST");
    }

    @Test
    void treatsATrailingSlashAsAnUnknownRoute() throws Exception {
        for (String target : new String[] {"/api/products/", "/health/", "/api/users/me/"}) {
            HttpResponse<String> response = http.get(target, "Authorization", Http.bearer("bob"));
            assertThat(response.statusCode()).as(target).isEqualTo(404);
            assertThat(error(response)).as(target).isEqualTo("not_found");
        }
    }

    @Test
    void echoesTheTraceIdOfTraceparentFromEveryService() throws Exception {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        assertThat(http.get("/api/products/p1", "traceparent", TRACEPARENT).headers().firstValue("X-Trace-Id"))
                .hasValue(traceId);
        assertThat(http.get("/api/users/me", "traceparent", TRACEPARENT, "Authorization", Http.bearer("alice"))
                .headers().firstValue("X-Trace-Id")).hasValue(traceId);
        assertThat(http.get("/api/orders", "traceparent", TRACEPARENT, "Authorization", Http.bearer("alice"))
                .headers().firstValue("X-Trace-Id")).hasValue(traceId);
    }

    @Test
    void startsANewTraceWithoutAValidTraceparent() throws Exception {
        // the gateway's OpenTelemetry SDK starts a trace of its own and propagates it, so the service echoes its id
        String none = http.get("/api/products/p1").headers().firstValue("X-Trace-Id").orElseThrow();
        String invalid = http.get("/api/products/p1", "traceparent",
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01").headers().firstValue("X-Trace-Id").orElseThrow();
        String garbled = http.get("/api/products/p1", "traceparent", "not-a-trace")
                .headers().firstValue("X-Trace-Id").orElseThrow();

        assertThat(List.of(none, invalid, garbled)).allSatisfy(id -> assertThat(id).matches("[0-9a-f]{32}")
                .isNotEqualTo("00000000000000000000000000000000")).doesNotHaveDuplicates();
    }

    @Test
    void runsSideBySideWithAnotherDemo() throws Exception {
        try (MobileDemo other = MobileDemo.start(new DemoConfig(0, Duration.ZERO, Duration.ofSeconds(2), null))) {
            assertThat(other.port()).isNotEqualTo(demo.port());
            assertThat(new Http(other.port()).get("/api/products/p1").statusCode()).isEqualTo(200);
            assertThat(http.get("/api/products/p1").statusCode()).isEqualTo(200);
        }
    }
}
