package dev.portico.test;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import dev.portico.core.Completion;
import dev.portico.core.Filter;
import dev.portico.core.Gateway;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.aggregate.Aggregator;
import dev.portico.core.aggregate.Part;
import dev.portico.core.auth.JwtAuth;
import dev.portico.core.filter.Filters;
import dev.portico.core.ratelimit.RateLimit;
import dev.portico.core.resilience.CircuitBreaker;
import dev.portico.core.resilience.RetryPolicy;
import dev.portico.core.upstream.OutlierDetection;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GatewayTesterTest {

    private static final byte[] SECRET = "a-secret-of-at-least-thirty-two-bytes!".getBytes(StandardCharsets.UTF_8);

    private final Upstream users = Upstream.of("users", "http://users.internal:8080");
    private final Upstream products = Upstream.of("products", "http://products.internal:8080");

    @Test
    void stubAnswersAndSeesTheRequestAsTheGatewayForwardedIt() {
        Gateway gateway = Gateway.builder()
                .route(Route.get("/api/users/{id}").filter(Filters.rewritePath("/users/{id}")).to(users))
                .build();
        GatewayTester tester = GatewayTester.of(gateway)
                .stub("users", request -> Response.json(200, "{\"id\":\"42\"}"))
                .build();

        TestResponse response = tester.get("/api/users/42?full=1").header("X-Forwarded-For", "198.51.100.1").send();

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        assertThat(response.json().getAsJsonObject().get("id").getAsString()).isEqualTo("42");
        assertThat(response.header("X-Request-Id")).isNotBlank();
        List<Request> seen = tester.requests("users");
        assertThat(seen).hasSize(1);
        assertThat(seen.get(0).path()).isEqualTo("/users/42");
        assertThat(seen.get(0).rawQuery()).isEqualTo("full=1");
        assertThat(seen.get(0).header("Host")).isEqualTo("users.internal:8080");
        // an untrusted peer's forwarding header is replaced by the gateway's own
        assertThat(seen.get(0).header("X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(seen.get(0).header("X-Request-Id")).isEqualTo(response.header("X-Request-Id"));
    }

    @Test
    void runsOnTheCallersThread() {
        AtomicReference<Thread> stubThread = new AtomicReference<>();
        GatewayTester tester = GatewayTester.of(Gateway.builder().route(Route.get("/u").to(users)).build())
                .stub("users", request -> {
                    stubThread.set(Thread.currentThread());
                    return Response.text(200, "ok");
                })
                .build();

        assertThat(tester.get("/u").send().bodyText()).isEqualTo("ok");
        assertThat(stubThread.get()).isSameAs(Thread.currentThread());
    }

    @Test
    void callToAnUpstreamWithoutStubFailsTheTestNamingIt() {
        GatewayTester tester = GatewayTester.of(Gateway.builder().route(Route.get("/p").to(products)).build()).build();

        assertThatThrownBy(() -> tester.get("/p").send())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("upstream \"products\"")
                .hasMessageContaining("GET /p");
    }

    @Test
    void aStubThatThrowsFailsTheTest() {
        GatewayTester tester = GatewayTester.of(Gateway.builder().route(Route.get("/u").to(users)).build())
                .stub("users", request -> {
                    throw new IllegalStateException("boom");
                })
                .build();

        assertThatThrownBy(() -> tester.get("/u").send())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("stub of upstream \"users\" failed")
                .hasMessageContaining("boom");
    }

    @Test
    void gatewayErrorsAreJsonWithTheRequestId() {
        GatewayTester tester = GatewayTester.of(Gateway.builder().route(Route.get("/u").to(users)).build()).build();

        TestResponse missing = tester.get("/nothing").send();
        TestResponse dotted = tester.get("/u/%2e%2e/admin").send();

        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().getAsJsonObject().get("error").getAsString()).isEqualTo("not_found");
        assertThat(missing.json().getAsJsonObject().get("requestId").getAsString())
                .isEqualTo(missing.header("X-Request-Id"));
        assertThat(dotted.status()).isEqualTo(400);
    }

    @Test
    void refusedConnectionIs502AndResetIsRetried() {
        Gateway gateway = Gateway.builder()
                .route(Route.get("/refused").to(products))
                .route(Route.get("/u").retries(RetryPolicy.builder().maxAttempts(2)
                        .backoff(Duration.ofMillis(100), Duration.ofMillis(100)).build()).to(users))
                .build();
        GatewayTester tester = GatewayTester.of(gateway)
                .stub("products", Stub.refuseConnection())
                .stub("users", Stub.inTurn(Stub.reset(), request -> Response.text(200, "second")))
                .build();

        TestResponse refused = tester.get("/refused").send();
        TestResponse retried = tester.get("/u").send();

        assertThat(refused.status()).isEqualTo(502);
        assertThat(refused.json().getAsJsonObject().get("message").getAsString())
                .isEqualTo("upstream products refused the connection");
        assertThat(retried.status()).isEqualTo(200);
        assertThat(retried.bodyText()).isEqualTo("second");
        assertThat(tester.requests("users")).hasSize(2);
        assertThat(tester.clock().elapsed()).isPositive().isLessThanOrEqualTo(Duration.ofMillis(100)); // the jittered backoff, on the clock
    }

    @Test
    void upstreamThatNeverAnswersTimesOutWhenTheClockPassesTheRouteTimeout() {
        Gateway gateway = Gateway.builder()
                .route(Route.get("/u").timeout(Duration.ofSeconds(2)).to(users))
                .build();
        GatewayTester tester = GatewayTester.of(gateway).stub("users", Stub.noAnswer()).build();

        CompletableFuture<TestResponse> pending = tester.get("/u").sendAsync();
        tester.clock().advance(Duration.ofMillis(1999));
        assertThat(pending).isNotDone();
        tester.clock().advance(Duration.ofMillis(1));

        assertThat(pending).isDone();
        assertThat(pending.join().status()).isEqualTo(504);
        assertThat(pending.join().json().getAsJsonObject().get("message").getAsString())
                .isEqualTo("upstream users did not answer within 2000 ms");
    }

    @Test
    void sendMovesTheClockToASlowStubsAnswer() {
        Gateway gateway = Gateway.builder().route(Route.get("/u").timeout(Duration.ofSeconds(5)).to(users)).build();
        GatewayTester tester = GatewayTester.of(gateway)
                .stub("users", Stub.delayed(Duration.ofSeconds(3), request -> Response.text(200, "late")))
                .build();

        TestResponse response = tester.get("/u").send();

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.bodyText()).isEqualTo("late");
        assertThat(tester.clock().elapsed()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void stubCanAnswerWithAStageCompletedLater() {
        CompletableFuture<Response> answer = new CompletableFuture<>();
        GatewayTester tester = GatewayTester.of(Gateway.builder().route(Route.get("/u").to(users)).build())
                .stub("users", Stub.later(request -> answer))
                .build();

        CompletableFuture<TestResponse> pending = tester.get("/u").sendAsync();
        assertThat(pending).isNotDone();
        answer.complete(Response.text(201, "made"));

        assertThat(pending.join().status()).isEqualTo(201);
    }

    @Test
    void expiredTokenIsRefusedOnceTheClockPassesItsExpiry() {
        TestClock clock = TestClock.at(Instant.parse("2030-01-01T00:00:00Z"));
        Gateway gateway = Gateway.builder()
                .route(Route.get("/me").filter(JwtAuth.builder().hs256(SECRET).clockSkew(Duration.ZERO).build()).to(users))
                .build();
        GatewayTester tester = GatewayTester.of(gateway).clock(clock)
                .stub("users", request -> Response.text(200, "me"))
                .build();
        String token = JWT.create().withSubject("ann").withExpiresAt(clock.instant().plusSeconds(60))
                .sign(Algorithm.HMAC256(SECRET));

        TestResponse fresh = tester.get("/me").header("Authorization", "Bearer " + token).send();
        clock.advance(Duration.ofSeconds(60));
        TestResponse expired = tester.get("/me").header("Authorization", "Bearer " + token).send();

        assertThat(fresh.status()).isEqualTo(200);
        assertThat(expired.status()).isEqualTo(401);
        assertThat(expired.json().getAsJsonObject().get("message").getAsString()).isEqualTo("the token has expired");
    }

    @Test
    void rateLimitRefillsWhenTheClockMoves() {
        Gateway gateway = Gateway.builder()
                .route(Route.get("/u").filter(RateLimit.perClientIp(2, Duration.ofMinutes(1))).to(users))
                .build();
        GatewayTester tester = GatewayTester.of(gateway).stub("users", request -> Response.text(200, "ok")).build();

        assertThat(tester.get("/u").send().status()).isEqualTo(200);
        assertThat(tester.get("/u").send().status()).isEqualTo(200);
        TestResponse limited = tester.get("/u").send();
        assertThat(tester.get("/u").from("203.0.113.9").send().status()).isEqualTo(200); // another client's bucket
        tester.clock().advance(Duration.ofMinutes(1));
        TestResponse refilled = tester.get("/u").send();

        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.header("Retry-After")).isEqualTo("60");
        assertThat(refilled.status()).isEqualTo(200);
    }

    @Test
    void aggregationAnswersPartiallyWhenAPartIsLate() {
        Aggregator dashboard = Aggregator.builder()
                .part("user", Part.get(users, "/users/{id}"))
                .part("recommended", Part.get(products, "/products/recommended").optional().timeout(Duration.ofMillis(300)))
                .build();
        Gateway gateway = Gateway.builder().route(Route.get("/dashboard/{id}").handler(dashboard)).build();
        GatewayTester tester = GatewayTester.of(gateway)
                .stub("users", request -> Response.json(200, "{\"name\":\"Ann\"}"))
                .stub("products", Stub.delayed(Duration.ofSeconds(1), request -> Response.json(200, "[]")))
                .build();

        TestResponse response = tester.get("/dashboard/7").send();

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().getAsJsonObject().getAsJsonObject("user").get("name").getAsString()).isEqualTo("Ann");
        assertThat(response.json().getAsJsonObject().get("recommended").isJsonNull()).isTrue();
        assertThat(tester.clock().elapsed()).isEqualTo(Duration.ofMillis(300));
        assertThat(tester.requests("users").get(0).path()).isEqualTo("/users/7");
    }

    @Test
    void circuitBreakerAndEjectionsBuiltOnTheTestersClockMoveWithIt() {
        TestClock clock = TestClock.start();
        Upstream flaky = Upstream.builder("flaky").instance("http://10.0.0.1:8080").instance("http://10.0.0.2:8080")
                .outlierDetection(OutlierDetection.builder().consecutiveFailures(2).baseEjectionTime(Duration.ofSeconds(30))
                        .maxEjectedShare(0.5).build())
                .timeSource(clock)
                .build();
        Upstream guarded = Upstream.builder("guarded").instance("http://10.0.0.3:8080")
                .circuitBreaker(CircuitBreaker.builder().failureRate(0.5).window(2, 2).openFor(Duration.ofSeconds(10))
                        .ticker(clock::nanoTime).build())
                .build();
        Gateway gateway = Gateway.builder()
                .route(Route.get("/flaky").to(flaky))
                .route(Route.get("/guarded").to(guarded))
                .build();
        GatewayTester tester = GatewayTester.of(gateway).clock(clock)
                .stub("flaky", request -> Response.text(request.header("Host").startsWith("10.0.0.1") ? 503 : 200, "x"))
                .stub("guarded", Stub.reset())
                .build();

        for (int i = 0; i < 4; i++) {
            tester.get("/flaky").send();
        }
        assertThat(flaky.ejectedEndpoints()).extracting(Object::toString).containsExactly("http://10.0.0.1:8080");
        tester.get("/guarded").send();
        tester.get("/guarded").send();
        TestResponse open = tester.get("/guarded").send();
        clock.advance(Duration.ofSeconds(30));

        assertThat(flaky.ejectedEndpoints()).isEmpty();
        assertThat(open.status()).isEqualTo(503);
        assertThat(open.header("Retry-After")).isEqualTo("10");
        assertThat(tester.get("/guarded").send().status()).as("half open: a trial call goes through").isEqualTo(502);
    }

    @Test
    void completionListenersHearTheExchangeTimedOnTheClock() {
        AtomicReference<Completion> completed = new AtomicReference<>();
        Filter listen = (request, chain) -> {
            chain.context().onComplete(completed::set);
            return chain.proceed(request);
        };
        Gateway gateway = Gateway.builder().edgeFilter(listen).route(Route.get("/u").to(users)).build();
        GatewayTester tester = GatewayTester.of(gateway)
                .stub("users", Stub.delayed(Duration.ofMillis(250), request -> Response.text(200, "hello")))
                .build();

        tester.get("/u").send();

        assertThat(completed.get().status()).isEqualTo(200);
        assertThat(completed.get().bytesOut()).isEqualTo(5);
        assertThat(completed.get().upstream()).isEqualTo("users");
        assertThat(completed.get().duration()).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void bodyOverTheRoutesLimitIs413AndNeverReachesTheUpstream() {
        GatewayTester tester = GatewayTester.of(Gateway.builder().route(Route.post("/u").maxBodySize(8).to(users)).build())
                .stub("users", request -> Response.text(201, "created"))
                .build();

        TestResponse response = tester.post("/u", "more than eight bytes").send();

        assertThat(response.status()).isEqualTo(413);
        assertThat(response.json().getAsJsonObject().get("error").getAsString()).isEqualTo("payload_too_large");
        assertThat(tester.requests("users")).isEmpty();
    }

    @Test
    void postSendsItsBodyToTheUpstream() {
        GatewayTester tester = GatewayTester.of(Gateway.builder().route(Route.post("/u").to(users)).build())
                .stub("users", request -> Response.text(201, "created"))
                .build();

        TestResponse response = tester.post("/u", "{\"name\":\"Ann\"}").header("Content-Type", "application/json").send();

        assertThat(response.status()).isEqualTo(201);
        Request seen = tester.requests("users").get(0);
        assertThat(seen.body().text(1024).toCompletableFuture().join()).isEqualTo("{\"name\":\"Ann\"}");
        assertThat(seen.header("Content-Type")).isEqualTo("application/json");
    }
}
