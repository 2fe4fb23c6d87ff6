package dev.portico.examples.mobile;

import com.google.gson.JsonObject;
import dev.portico.core.Gateway;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.test.GatewayTester;
import dev.portico.test.Stub;
import dev.portico.test.TestResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The mobile demo's gateway definition tested in memory with the test kit: its REST routes to the user and product
 * services, auth, limits and the dashboard's REST parts, with stubbed services and a clock the tests move. The order
 * routes are gRPC (the transcoder does not call through the upstream client) and stay with the socket-level tests.
 */
class MobileGatewayKitTest {

    private static final int PER_MINUTE = 3;
    private static final DemoConfig CONFIG = new DemoConfig(0, Duration.ZERO, Duration.ofSeconds(2), null)
            .withRateLimitPerMinute(PER_MINUTE);
    /** The order service's target: nothing listens there, and only the dashboard's orders part reaches for it. */
    private static final MobileGateway.Services SERVICES = new MobileGateway.Services(
            "http://users.internal:8081", "http://products.internal:8082", "dns:///127.0.0.1:1");

    private final Gateway gateway = MobileGateway.build(CONFIG, SERVICES);
    private final GatewayTester tester = GatewayTester.of(gateway)
            .stub("user-service", request -> Response.json(200,
                    "{\"id\":\"" + request.header("X-User-Id") + "\",\"name\":\"Alice\"}"))
            .stub("product-service", request -> request.path().equals("/products")
                    ? Response.json(200, "[{\"id\":\"p1\",\"name\":\"Mug\",\"priceCents\":900}]")
                    : request.path().equals("/products/p1")
                    ? Response.json(200, "{\"id\":\"p1\",\"name\":\"Mug\",\"priceCents\":900}")
                    : Response.json(404, "{\"error\":\"not_found\",\"message\":\"no such product\"}"))
            .build();

    @AfterEach
    void close() {
        gateway.close(); // its telemetry SDK and gRPC channel
    }

    private static String bearer(String user) {
        return "Bearer " + DemoTokens.issue(CONFIG.jwtSecret(), user, Duration.ofMinutes(5));
    }

    @Test
    void productRoutesStripThePrefixAndPassTheServicesAnswers() {
        TestResponse product = tester.get("/api/products/p1").send();
        TestResponse missing = tester.get("/api/products/p9").send();

        assertThat(product.status()).isEqualTo(200);
        assertThat(product.json().getAsJsonObject().get("name").getAsString()).isEqualTo("Mug");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().getAsJsonObject().get("message").getAsString()).isEqualTo("no such product");
        assertThat(tester.requests("product-service")).extracting(Request::path)
                .containsExactly("/products/p1", "/products/p9");
    }

    @Test
    void legacyProductRouteRenamesNameToTitleAndIsDeprecated() {
        TestResponse legacy = tester.get("/api/v1/products/p1").send();

        JsonObject body = legacy.json().getAsJsonObject();
        assertThat(body.get("title").getAsString()).isEqualTo("Mug");
        assertThat(body.has("name")).isFalse();
        assertThat(legacy.header("Deprecation")).startsWith("@");
        assertThat(tester.requests("product-service").get(0).path()).isEqualTo("/products/p1");
    }

    @Test
    void serviceErrorBecomesTheGatewaysJson502() {
        GatewayTester failing = GatewayTester.of(gateway)
                .stub("product-service", request -> Response.text(500, "java.lang.NullPointerException at Foo"))
                .build();

        TestResponse response = failing.get("/api/products").send();

        assertThat(response.status()).isEqualTo(502);
        assertThat(response.json().getAsJsonObject().get("error").getAsString()).isEqualTo("bad_gateway");
        assertThat(response.bodyText()).doesNotContain("NullPointerException");
    }

    @Test
    void meRequiresATokenAndTellsTheServiceItsSubjectOnly() {
        TestResponse anonymous = tester.get("/api/users/me").send();
        TestResponse alice = tester.get("/api/users/me")
                .header("Authorization", bearer("alice"))
                .header("X-User-Id", "bob") // a client cannot choose the user
                .send();

        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.header("WWW-Authenticate")).startsWith("Bearer");
        assertThat(anonymous.json().getAsJsonObject().get("error").getAsString()).isEqualTo("unauthorized");
        assertThat(alice.status()).isEqualTo(200);
        assertThat(alice.json().getAsJsonObject().get("id").getAsString()).isEqualTo("alice");
        Request seen = tester.requests("user-service").get(0);
        assertThat(seen.path()).isEqualTo("/users/me");
        assertThat(seen.headers().getAll("X-User-Id")).containsExactly("alice");
    }

    @Test
    void tokenStopsWorkingOnceItsExpiryAndTheSkewHavePassed() {
        String token = bearer("alice"); // valid for 5 minutes, with 30 s of skew

        tester.clock().advance(Duration.ofMinutes(5));
        TestResponse withinSkew = tester.get("/api/users/me").header("Authorization", token).send();
        tester.clock().advance(Duration.ofSeconds(31));
        TestResponse expired = tester.get("/api/users/me").header("Authorization", token).send();

        assertThat(withinSkew.status()).isEqualTo(200);
        assertThat(expired.status()).isEqualTo(401);
        assertThat(expired.json().getAsJsonObject().get("message").getAsString()).isEqualTo("the token has expired");
    }

    @Test
    void eachClientAddressGetsItsQuotaAMinuteAndItRefills() {
        for (int i = 0; i < PER_MINUTE; i++) {
            TestResponse allowed = tester.get("/api/products").send();
            assertThat(allowed.status()).isEqualTo(200);
            assertThat(allowed.header("X-RateLimit-Remaining")).isEqualTo(String.valueOf(PER_MINUTE - 1 - i));
        }

        TestResponse limited = tester.get("/api/products/p1").send();
        TestResponse otherClient = tester.get("/api/products").from("198.51.100.7").send();
        tester.clock().advance(Duration.ofMinutes(1));
        TestResponse refilled = tester.get("/api/products").send();

        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.json().getAsJsonObject().get("error").getAsString()).isEqualTo("too_many_requests");
        assertThat(Long.parseLong(limited.header("Retry-After"))).isBetween(1L, 60L);
        assertThat(otherClient.status()).isEqualTo(200);
        assertThat(refilled.status()).isEqualTo(200);
        assertThat(tester.requests("product-service")).hasSize(PER_MINUTE + 2); // the refused request never left
    }

    @Test
    void authenticatedRequestsCountAgainstTheUserNotTheAddress() {
        for (int i = 0; i < PER_MINUTE; i++) {
            assertThat(tester.get("/api/products").header("Authorization", bearer("alice")).send().status()).isEqualTo(200);
        }

        assertThat(tester.get("/api/products").send().status()).isEqualTo(200);
        assertThat(tester.get("/api/users/me").header("Authorization", bearer("alice")).send().status()).isEqualTo(429);
    }

    @Test
    void dashboardCombinesTheRestPartsAndMarksTheMissingOrdersPartial() {
        TestResponse dashboard = tester.get("/api/dashboard").header("Authorization", bearer("alice")).send();

        assertThat(dashboard.status()).isEqualTo(200);
        JsonObject body = dashboard.json().getAsJsonObject();
        assertThat(body.getAsJsonObject("user").get("id").getAsString()).isEqualTo("alice");
        assertThat(body.getAsJsonArray("recommendations")).hasSize(1);
        assertThat(body.get("orders").isJsonNull()).isTrue(); // gRPC, not stubbed: nothing listens at its target
        assertThat(dashboard.header("X-Gateway-Partial")).isEqualTo("true");
        assertThat(tester.requests("user-service").get(0).path()).isEqualTo("/users/alice");
    }

    @Test
    void dashboardAnswersWithinTheRouteTimeoutWhenAServiceHangs() {
        GatewayTester hanging = GatewayTester.of(gateway)
                .stub("user-service", Stub.noAnswer())
                .stub("product-service", request -> Response.json(200, "[]"))
                .build();

        TestResponse dashboard = hanging.get("/api/dashboard").header("Authorization", bearer("alice")).send();

        assertThat(dashboard.status()).isEqualTo(200);
        assertThat(dashboard.json().getAsJsonObject().get("user").isJsonNull()).isTrue();
        assertThat(dashboard.header("X-Gateway-Partial")).isEqualTo("true");
        assertThat(hanging.clock().elapsed()).isEqualTo(CONFIG.routeTimeout());
    }

    @Test
    void corsPreflightIsAnsweredOnEveryRouteWithoutAToken() {
        TestResponse preflight = tester.request("OPTIONS", "/api/users/me")
                .header("Origin", "http://localhost:3000")
                .header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "Authorization")
                .send();

        assertThat(preflight.status()).isEqualTo(204);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo("http://localhost:3000");
        assertThat(preflight.header("Access-Control-Allow-Headers")).containsIgnoringCase("Authorization");
        assertThat(tester.requests("user-service")).isEmpty();
    }

    @Test
    void healthIsAnsweredByTheGatewayItself() {
        TestResponse health = tester.get("/health").send();

        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().getAsJsonObject().get("status").getAsString()).isEqualTo("UP");
    }

    @Test
    void encodedDotSegmentsAreRefusedBeforeRoutingAndAuth() {
        TestResponse response = tester.get("/api/products/%2e%2e/users/me").send();

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().getAsJsonObject().get("error").getAsString()).isEqualTo("bad_request");
    }
}
