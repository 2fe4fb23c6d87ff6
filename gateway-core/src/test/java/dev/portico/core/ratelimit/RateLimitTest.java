package dev.portico.core.ratelimit;

import dev.portico.core.Filter;
import dev.portico.core.Gateway;
import dev.portico.core.GatewayException;
import dev.portico.core.Headers;
import dev.portico.core.Http;
import dev.portico.core.RecordingUpstreamClient;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.auth.Principal;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static dev.portico.core.Http.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The filter in memory: what it counts by, what it answers, which plan it applies and what it tells the client. */
class RateLimitTest {

    private static final Upstream APP = Upstream.of("app", "http://10.0.0.7:8080");
    private static final Duration HOUR = Duration.ofHours(1);

    private final RecordingUpstreamClient upstream = new RecordingUpstreamClient();

    private static Gateway gateway(Filter... filters) {
        return Gateway.builder().route(Route.get("/api/**").filters(filters).to(APP)).build();
    }

    private Response get(Gateway gateway, String path) {
        return Http.send(gateway, Http.get(path), upstream);
    }

    /** A filter that authenticates every request as this principal. */
    private static Filter as(Principal principal) {
        return (request, chain) -> {
            chain.context().put(Principal.KEY, principal);
            return chain.proceed(request);
        };
    }

    private static Principal user(String subject, String plan, Map<String, ?> claims) {
        return Principal.builder(subject, "jwt").plan(plan).claims(claims).build();
    }

    @Test
    void countsDownOnEveryResponseThenRefusesWith429AndNeverCallsTheUpstream() {
        Gateway gateway = gateway(RateLimit.perClientIp(2, HOUR));

        Response first = get(gateway, "/api/a");
        Response second = get(gateway, "/api/b");
        Response refused = get(gateway, "/api/c");

        assertThat(first.status()).isEqualTo(200);
        assertThat(first.header("X-RateLimit-Limit")).isEqualTo("2");
        assertThat(first.header("X-RateLimit-Remaining")).isEqualTo("1");
        assertThat(Long.parseLong(first.header("X-RateLimit-Reset"))).isBetween(3_590L, 3_600L);
        assertThat(second.header("X-RateLimit-Remaining")).isEqualTo("0");
        assertError(refused, 429, "too_many_requests");
        assertThat(refused.header("X-RateLimit-Limit")).isEqualTo("2");
        assertThat(refused.header("X-RateLimit-Remaining")).isEqualTo("0");
        assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(3_590L, 3_600L);
        assertThat(refused.header("RateLimit")).as("IETF fields only when asked").isNull();
        assertThat(upstream.callCount()).isEqualTo(2);
    }

    @Test
    void anUpstreamErrorCarriesTheHeadersToo() {
        upstream.enqueueFailure(GatewayException.badGateway("the upstream did not answer"));
        Gateway gateway = gateway(RateLimit.perClientIp(5, HOUR));

        Response failed = get(gateway, "/api/a");

        assertError(failed, 502, "bad_gateway");
        assertThat(failed.header("X-RateLimit-Remaining")).isEqualTo("4");
        assertThat(failed.header("X-RateLimit-Limit")).isEqualTo("5");
    }

    @Test
    void ietfHeadersNameEachLimitOfThePlanAndReportTheBindingOne() {
        Gateway gateway = gateway(RateLimit.by(RateLimitKey.clientIp())
                .plan(Plan.of("free", Limit.of(10, Duration.ofSeconds(1)), Limit.of(1_000, HOUR)))
                .ietfHeaders(true)
                .build());

        Response response = get(gateway, "/api/a");

        assertThat(response.header("RateLimit-Policy")).isEqualTo("\"free-1s\";q=10;w=1, \"free-3600s\";q=1000;w=3600");
        assertThat(response.header("RateLimit")).isEqualTo("\"free-1s\";r=9;t=1");
        assertThat(response.header("X-RateLimit-Limit")).isEqualTo("10");
    }

    @Test
    void theGatewaysFieldsReplaceAnyAnUpstreamSentInAnyCaseAndTheRestStayInOrder() {
        upstream.enqueue(Response.builder(200).headers(Headers.of("x-ratelimit-remaining", "999", "Content-Type",
                "application/json", "RATELIMIT", "\"up\";r=5;t=9", "X-RateLimit-Limit", "1000", "ETag", "\"e\"",
                "RateLimit-Policy", "\"up\";q=10;w=60")).build());
        Gateway gateway = gateway(RateLimit.by(RateLimitKey.clientIp())
                .plan(Plan.of("free", Limit.of(10, Duration.ofSeconds(1)))).ietfHeaders(true).build());

        Response response = get(gateway, "/api/a");

        assertThat(response.headers().getAll("X-RateLimit-Remaining")).containsExactly("9");
        assertThat(response.headers().getAll("X-RateLimit-Limit")).containsExactly("10");
        assertThat(response.headers().getAll("RateLimit")).containsExactly("\"free\";r=9;t=1");
        assertThat(response.headers().getAll("RateLimit-Policy")).containsExactly("\"free\";q=10;w=1");
        assertThat(response.headers().name(0)).isEqualTo("Content-Type");
        assertThat(response.headers().name(1)).isEqualTo("ETag");
    }

    @Test
    void retryAfterIsInWholeSecondsRoundedUpAndAtLeastOne() {
        Limit limit = Limit.of(1, Duration.ofSeconds(1));
        List<Duration> waits = new ArrayList<>(List.of(Duration.ZERO, Duration.ofMillis(1_200)));
        RateLimiter refusing = (key, plan) -> CompletableFuture.completedFuture(
                Decision.refused(limit, waits.remove(0), Duration.ofMillis(300)));
        Gateway gateway = gateway(RateLimit.by(RateLimitKey.clientIp()).limit(limit).limiter(refusing).name("t").build());

        Response immediate = get(gateway, "/api/a");
        Response later = get(gateway, "/api/a");

        assertThat(immediate.header("Retry-After")).isEqualTo("1");
        assertThat(later.header("Retry-After")).isEqualTo("2");
        assertThat(later.header("X-RateLimit-Reset")).isEqualTo("1");
        assertThat(upstream.callCount()).isZero();
    }

    @Test
    void aRequestWithoutAKeyIsNotLimitedAndGetsNoHeaders() {
        Gateway gateway = gateway(RateLimit.by(RateLimitKey.header("X-Tenant")).limit(1, HOUR).build());

        get(gateway, "/api/a");
        Response free = get(gateway, "/api/a");

        assertThat(free.status()).isEqualTo(200);
        assertThat(free.header("X-RateLimit-Limit")).isNull();
        assertThat(upstream.callCount()).isEqualTo(2);
    }

    @Test
    void anUnmeteredDecisionLetsTheRequestThroughWithoutHeaders() {
        RateLimiter failOpen = (key, plan) -> CompletableFuture.completedFuture(Decision.unmetered(plan.limits().get(0)));
        Gateway gateway = gateway(RateLimit.by(RateLimitKey.clientIp()).limit(1, HOUR).limiter(failOpen).name("t").build());

        Response response = get(gateway, "/api/a");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers().names()).noneMatch(name -> name.toLowerCase().contains("ratelimit"));
    }

    @Test
    void aLimiterFailingWithAGatewayErrorFailsTheRequestWithIt() {
        RateLimiter down = (key, plan) -> CompletableFuture.failedFuture(
                GatewayException.serviceUnavailable("the rate-limit store is down"));
        Gateway gateway = gateway(RateLimit.by(RateLimitKey.clientIp()).limit(1, HOUR).limiter(down).name("t").build());

        Response response = get(gateway, "/api/a");

        assertThat(assertError(response, 503, "service_unavailable").get("message").getAsString())
                .isEqualTo("the rate-limit store is down");
        assertThat(upstream.callCount()).isZero();
    }

    @Test
    void anyOtherLimiterFailureBecomes503WithoutDetail() {
        List<RateLimiter> broken = List.of(
                (key, plan) -> CompletableFuture.failedFuture(new IllegalStateException("secret detail")),
                (key, plan) -> {
                    throw new IllegalStateException("secret detail");
                },
                (key, plan) -> CompletableFuture.completedFuture(null));
        for (RateLimiter limiter : broken) {
            Gateway gateway = gateway(RateLimit.by(RateLimitKey.clientIp()).limit(1, HOUR).limiter(limiter).name("t").build());

            Response response = get(gateway, "/api/a");

            assertThat(assertError(response, 503, "service_unavailable").toString()).doesNotContain("secret");
        }
        assertThat(upstream.callCount()).isZero();
    }

    @Test
    void oneFilterOnSeveralRoutesIsOneBudgetAndPerRouteGivesEachItsOwn() {
        RateLimit shared = RateLimit.perClientIp(1, HOUR);
        RateLimit perRoute = RateLimit.by(RateLimitKey.clientIp()).limit(1, HOUR).perRoute().build();
        Gateway gateway = Gateway.builder()
                .route(Route.get("/shared/a").filter(shared).to(APP))
                .route(Route.get("/shared/b").filter(shared).to(APP))
                .route(Route.get("/own/a").filter(perRoute).to(APP))
                .route(Route.get("/own/b").filter(perRoute).to(APP))
                .build();

        assertThat(get(gateway, "/shared/a").status()).isEqualTo(200);
        assertThat(get(gateway, "/shared/b").status()).isEqualTo(429);
        assertThat(get(gateway, "/own/a").status()).isEqualTo(200);
        assertThat(get(gateway, "/own/b").status()).isEqualTo(200);
        assertThat(get(gateway, "/own/b").status()).isEqualTo(429);
    }

    @Test
    void filtersWithDifferentNamesOnASharedLimiterKeepSeparateBudgets() {
        LocalRateLimiter limiter = LocalRateLimiter.create();
        Gateway gateway = Gateway.builder()
                .route(Route.get("/a").filter(RateLimit.by(RateLimitKey.clientIp()).limit(1, HOUR)
                        .limiter(limiter).name("a").build()).to(APP))
                .route(Route.get("/b").filter(RateLimit.by(RateLimitKey.clientIp()).limit(1, HOUR)
                        .limiter(limiter).name("b").build()).to(APP))
                .build();

        assertThat(get(gateway, "/a").status()).isEqualTo(200);
        assertThat(get(gateway, "/b").status()).isEqualTo(200);
        assertThat(get(gateway, "/a").status()).isEqualTo(429);
    }

    @Test
    void thePrincipalsPlanOrClaimChoosesThePlanAndAnythingElseGetsTheDefault() {
        Plan free = Plan.of("free", Limit.of(1, HOUR));
        Plan gold = Plan.of("gold", Limit.of(3, HOUR));
        RateLimit byPlan = RateLimit.by(RateLimitKey.subject()).plan(free).plans(gold).build();
        RateLimit byClaim = RateLimit.by(RateLimitKey.subject()).plan(free).plans(gold).planClaim("org.tier").build();

        assertThat(get(gateway(as(user("ann", "gold", Map.of())), byPlan), "/api/a").header("X-RateLimit-Limit"))
                .isEqualTo("3");
        assertThat(get(gateway(as(user("bob", "platinum", Map.of())), byPlan), "/api/a").header("X-RateLimit-Limit"))
                .as("an unknown plan").isEqualTo("1");
        assertThat(get(gateway(as(user("cat", null, Map.of())), byPlan), "/api/a").header("X-RateLimit-Limit"))
                .as("no plan").isEqualTo("1");
        assertThat(get(gateway(as(user("dan", "free", Map.of("org", Map.of("tier", "gold")))), byClaim), "/api/a")
                .header("X-RateLimit-Limit")).as("the claim, not the plan").isEqualTo("3");
        assertThat(get(gateway(as(user("eve", "gold", Map.of())), byClaim), "/api/a").header("X-RateLimit-Limit"))
                .as("no claim").isEqualTo("1");
    }

    @Test
    void stackedLimitsReportTheOneWithFewestPermitsLeft() {
        RateLimit perCaller = RateLimit.by(RateLimitKey.subject()).limit(100, HOUR).name("caller").build();
        RateLimit perIp = RateLimit.by(RateLimitKey.clientIp()).limit(2, HOUR).name("ip").build();
        Gateway gateway = gateway(as(user("ann", null, Map.of())), perCaller, perIp);

        Response ok = get(gateway, "/api/a");
        get(gateway, "/api/a");
        Response refused = get(gateway, "/api/a");

        assertThat(ok.header("X-RateLimit-Limit")).isEqualTo("2");
        assertThat(ok.header("X-RateLimit-Remaining")).isEqualTo("1");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.header("X-RateLimit-Limit")).isEqualTo("2");
        assertThat(refused.header("X-RateLimit-Remaining")).isEqualTo("0");
    }

    @Test
    void subjectKeysSeparateSchemesAndOrFallsBackToTheAddress() {
        RateLimitKey key = RateLimitKey.subjectOrClientIp();
        List<String> keys = new ArrayList<>();
        Filter record = (request, chain) -> {
            keys.add(key.key(request, chain.context()));
            return chain.proceed(request);
        };

        get(gateway(record), "/api/a");
        get(gateway(as(user("ann", null, Map.of())), record), "/api/a");
        get(gateway(as(Principal.builder("ann", "api-key").build()), record), "/api/a");

        assertThat(keys).containsExactly("ip:203.0.113.7", "sub:jwt:ann", "sub:api-key:ann");
    }

    @Test
    void theBuilderRefusesWhatCannotWork() {
        assertThatThrownBy(() -> RateLimit.by(RateLimitKey.clientIp()).build())
                .hasMessage("limits: none (expected: limit(...) or plan(...))");
        assertThatThrownBy(() -> RateLimit.by(RateLimitKey.clientIp()).limit(1, HOUR)
                .plan(Plan.of("p", Limit.of(1, HOUR))).build())
                .hasMessageContaining("(expected: limits or a default plan, not both)");
        assertThatThrownBy(() -> RateLimit.by(RateLimitKey.clientIp()).limit(1, HOUR)
                .limiter(LocalRateLimiter.create()).build())
                .hasMessage("name: none (expected: a budget name with a given limiter)");
        assertThatThrownBy(() -> RateLimit.by(RateLimitKey.clientIp()).limit(1, HOUR)
                .plans(Plan.of("gold", Limit.of(1, HOUR)), Plan.of("gold", Limit.of(2, HOUR))).build())
                .hasMessage("plans: gold twice (expected: distinct names)");
        assertThatThrownBy(() -> RateLimit.by(RateLimitKey.clientIp()).plan(Plan.of("plän", Limit.of(1, HOUR)))
                .ietfHeaders(true).build())
                .hasMessageContaining("(expected: printable ASCII, for the RateLimit-Policy field)");
    }
}
