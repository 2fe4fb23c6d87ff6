package dev.portico.examples.guide;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import dev.portico.core.Gateway;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.auth.JwtAuth;
import dev.portico.core.filter.Filters;
import dev.portico.core.ratelimit.RateLimit;
import dev.portico.core.resilience.RetryPolicy;
import dev.portico.core.upstream.Upstream;
import dev.portico.test.GatewayTester;
import dev.portico.test.GatewayTesterExtension;
import dev.portico.test.Stub;
import dev.portico.test.TestResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The code of docs/testing.md: a gateway defined in code and its tests, written with the test kit, run as tests. */
class TestingExamples {

    private static final byte[] SECRET = "the-shops-signing-secret-32-bytes!".getBytes(StandardCharsets.UTF_8);

    /** The gateway under test, as an application would define it. */
    static Gateway shop() {
        Upstream users = Upstream.of("users", "http://users.internal:8080");
        return Gateway.builder()
                .route(Route.get("/api/users/{id}")
                        .filter(JwtAuth.builder().hs256(SECRET).claimHeader("sub", "X-User-Id").build())
                        .filter(RateLimit.perClientIp(100, Duration.ofMinutes(1)))
                        .filter(Filters.rewritePath("/users/{id}"))
                        .timeout(Duration.ofSeconds(2))
                        .retries(RetryPolicy.builder().maxAttempts(2).build())
                        .to(users))
                .build();
    }

    private static String token(String subject, Duration validity) {
        return JWT.create().withSubject(subject).withExpiresAt(java.time.Instant.now().plus(validity))
                .sign(Algorithm.HMAC256(SECRET));
    }

    private final String token = token("ann", Duration.ofMinutes(5));

    @Test
    void forwardsTheCallerToTheUsersService() {
        GatewayTester tester = GatewayTester.of(shop())
                .stub("users", request -> Response.json(200, "{\"id\":\"42\"}"))
                .build();

        TestResponse response = tester.get("/api/users/42")
                .header("Authorization", "Bearer " + token)
                .send();

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().getAsJsonObject().get("id").getAsString()).isEqualTo("42");
        List<Request> seen = tester.requests("users");
        assertThat(seen).singleElement().satisfies(request -> {
            assertThat(request.path()).isEqualTo("/users/42");
            assertThat(request.header("X-User-Id")).isEqualTo("ann");
        });
    }

    @Test
    void refusesAnExpiredToken() {
        GatewayTester tester = GatewayTester.of(shop())
                .stub("users", request -> Response.json(200, "{\"id\":\"42\"}"))
                .build();

        tester.clock().advance(Duration.ofMinutes(6));   // past the expiry and the default 30 s of skew
        TestResponse response = tester.get("/api/users/42").header("Authorization", "Bearer " + token).send();

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.header("WWW-Authenticate")).startsWith("Bearer");
        assertThat(tester.requests("users")).isEmpty();
    }

    @Test
    void answers504WhenTheServiceHangs() {
        GatewayTester tester = GatewayTester.of(shop()).stub("users", Stub.noAnswer()).build();

        CompletableFuture<TestResponse> pending = tester.get("/api/users/42")
                .header("Authorization", "Bearer " + token)
                .sendAsync();
        tester.clock().advance(Duration.ofSeconds(2));

        assertThat(pending).isCompletedWithValueMatching(response -> response.status() == 504);
    }

    @Test
    void retriesAReset() {
        GatewayTester tester = GatewayTester.of(shop())
                .stub("users", Stub.inTurn(Stub.reset(), request -> Response.json(200, "{\"id\":\"42\"}")))
                .build();

        TestResponse response = tester.get("/api/users/42").header("Authorization", "Bearer " + token).send();

        assertThat(response.status()).isEqualTo(200);
        assertThat(tester.requests("users")).hasSize(2);
    }

    @Test
    void limitsEachClientAddress() {
        GatewayTester tester = GatewayTester.of(shop())
                .stub("users", request -> Response.json(200, "{}"))
                .build();

        for (int i = 0; i < 100; i++) {
            tester.get("/api/users/42").header("Authorization", "Bearer " + token).send();
        }
        TestResponse limited = tester.get("/api/users/42").header("Authorization", "Bearer " + token).send();
        TestResponse elsewhere = tester.get("/api/users/42").header("Authorization", "Bearer " + token)
                .from("203.0.113.9")
                .send();
        tester.clock().advance(Duration.ofMinutes(1));
        TestResponse refilled = tester.get("/api/users/42").header("Authorization", "Bearer " + token).send();

        assertThat(limited.status()).isEqualTo(429);
        assertThat(elsewhere.status()).isEqualTo(200);
        assertThat(refilled.status()).isEqualTo(200);
    }

    @RegisterExtension
    final GatewayTesterExtension testers = new GatewayTesterExtension();

    @Test
    void servesTheSameGatewayOnRealSockets() {
        GatewayTester tester = testers.register(GatewayTester.started(shop())
                .stub("users", request -> Response.json(200, "{\"id\":\"42\"}"))
                .build());

        TestResponse response = tester.get("/api/users/42").header("Authorization", "Bearer " + token).send();

        assertThat(response.status()).isEqualTo(200);
        assertThat(tester.requests("users").get(0).header("X-User-Id")).isEqualTo("ann");
    }
}
