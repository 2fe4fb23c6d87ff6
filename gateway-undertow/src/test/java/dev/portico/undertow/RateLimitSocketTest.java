package dev.portico.undertow;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import dev.portico.core.Filter;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.auth.ApiKeyAuth;
import dev.portico.core.auth.JwtAuth;
import dev.portico.core.ratelimit.Limit;
import dev.portico.core.ratelimit.Plan;
import dev.portico.core.ratelimit.RateLimit;
import dev.portico.core.ratelimit.RateLimitKey;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Rate limits over real sockets, with a real backend that counts what reaches it. */
class RateLimitSocketTest {

    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private static final Duration HOUR = Duration.ofHours(1);

    private final AtomicInteger hits = new AtomicInteger();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Backend backend;
    private Upstream app;
    private PorticoServer server;

    @BeforeEach
    void startBackend() {
        backend = Backend.start(exchange -> {
            hits.incrementAndGet();
            if (exchange.getRequestPath().endsWith("/broken")) {
                exchange.setStatusCode(502);
            }
            exchange.getResponseSender().send("reached");
        });
        app = Upstream.of("app", backend.url());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(Duration.ZERO);
        }
        backend.close();
    }

    private void start(Gateway.Builder gateway) {
        server = PorticoServer.start(gateway.build(), "127.0.0.1", 0);
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private List<Integer> statuses(int count, String path, String... headers) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            statuses.add(get(path, headers).statusCode());
        }
        return statuses;
    }

    private static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    private static String bearer(String subject) {
        return "Bearer " + JWT.create().withSubject(subject).withExpiresAt(Instant.now().plusSeconds(300))
                .sign(Algorithm.HMAC256(SECRET));
    }

    @Test
    void aForwardedForFromAnUntrustedPeerNeverChangesTheClientsKey() throws Exception {
        start(Gateway.builder().route(Route.get("/api/items").filter(RateLimit.perClientIp(2, HOUR)).to(app)));

        List<Integer> statuses = new ArrayList<>();
        for (String spoofed : List.of("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4")) {
            statuses.add(get("/api/items", "X-Forwarded-For", spoofed).statusCode());
        }

        assertThat(statuses).containsExactly(200, 200, 429, 429);
        assertThat(hits).hasValue(2);
    }

    @Test
    void aTrustedProxysForwardedForGivesEachClientItsOwnBudget() throws Exception {
        start(Gateway.builder().trustedProxies("127.0.0.1")
                .route(Route.get("/api/items").filter(RateLimit.perClientIp(2, HOUR)).to(app)));

        assertThat(statuses(3, "/api/items", "X-Forwarded-For", "198.51.100.1")).containsExactly(200, 200, 429);
        assertThat(statuses(3, "/api/items", "X-Forwarded-For", "198.51.100.2")).containsExactly(200, 200, 429);
        assertThat(hits).hasValue(4);
    }

    @Test
    void eachJwtSubjectHasItsOwnBudget() throws Exception {
        start(Gateway.builder().route(Route.get("/api/orders")
                .filter(JwtAuth.builder().hs256(SECRET).build())
                .filter(RateLimit.perSubject(2, HOUR))
                .to(app)));
        String alice = bearer("alice");

        assertThat(statuses(3, "/api/orders", "Authorization", alice)).containsExactly(200, 200, 429);
        assertThat(statuses(2, "/api/orders", "Authorization", bearer("bob"))).containsExactly(200, 200);
        assertThat(statuses(1, "/api/orders", "Authorization", bearer("alice"))).as("a new token, the same subject")
                .containsExactly(429);
        assertThat(hits).hasValue(4);
    }

    @Test
    void eachApiKeyGetsThePlanItNames() throws Exception {
        Plan free = Plan.of("free", Limit.of(1, HOUR));
        Plan gold = Plan.of("gold", Limit.of(3, HOUR));
        start(Gateway.builder().route(Route.get("/api/orders")
                .filter(ApiKeyAuth.builder()
                        .key("mobile-app", "free", Set.of(), "k-free-0123456789")
                        .key("partner", "gold", Set.of(), "k-gold-0123456789")
                        .key("legacy", "bronze", Set.of(), "k-bronze-012345678")
                        .build())
                .filter(RateLimit.by(RateLimitKey.subject()).plan(free).plans(gold).build())
                .to(app)));

        HttpResponse<String> partner = get("/api/orders", "X-API-Key", "k-gold-0123456789");
        assertThat(header(partner, "X-RateLimit-Limit")).isEqualTo("3");
        assertThat(statuses(3, "/api/orders", "X-API-Key", "k-gold-0123456789")).containsExactly(200, 200, 429);
        assertThat(statuses(2, "/api/orders", "X-API-Key", "k-free-0123456789")).containsExactly(200, 429);
        HttpResponse<String> legacy = get("/api/orders", "X-API-Key", "k-bronze-012345678");
        assertThat(header(legacy, "X-RateLimit-Limit")).as("an unknown plan gets the default").isEqualTo("1");
        assertThat(hits).hasValue(5);
    }

    @Test
    void aHeaderKeyCountsPerValue() throws Exception {
        start(Gateway.builder().route(Route.get("/api/items")
                .filter(RateLimit.by(RateLimitKey.header("X-Tenant")).limit(1, HOUR).build()).to(app)));

        assertThat(statuses(2, "/api/items", "X-Tenant", "acme")).containsExactly(200, 429);
        assertThat(statuses(2, "/api/items", "X-Tenant", "globex")).containsExactly(200, 429);
    }

    @Test
    void oneFilterOnTwoRoutesIsOneBudgetUnlessPerRoute() throws Exception {
        Filter shared = RateLimit.perClientIp(2, HOUR);
        Filter perRoute = RateLimit.by(RateLimitKey.clientIp()).limit(2, HOUR).perRoute().build();
        start(Gateway.builder()
                .route(Route.get("/shared/a").filter(shared).to(app))
                .route(Route.get("/shared/b").filter(shared).to(app))
                .route(Route.get("/own/a").filter(perRoute).to(app))
                .route(Route.get("/own/b").filter(perRoute).to(app)));

        assertThat(List.of(get("/shared/a").statusCode(), get("/shared/b").statusCode(), get("/shared/a").statusCode(),
                get("/shared/b").statusCode())).containsExactly(200, 200, 429, 429);
        assertThat(List.of(get("/own/a").statusCode(), get("/own/b").statusCode(), get("/own/a").statusCode(),
                get("/own/b").statusCode(), get("/own/a").statusCode())).containsExactly(200, 200, 200, 200, 429);
    }

    @Test
    void severalLimitsApplyAtOnceAndTheNearestToItsEndIsReported() throws Exception {
        start(Gateway.builder().route(Route.get("/api/items").filter(RateLimit.by(RateLimitKey.clientIp())
                .limit(3, Duration.ofSeconds(5)).limit(4, HOUR).build()).to(app)));

        List<HttpResponse<String>> burst = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            burst.add(get("/api/items"));
        }
        assertThat(burst).extracting(HttpResponse::statusCode).containsExactly(200, 200, 200, 429);
        assertThat(header(burst.get(2), "X-RateLimit-Limit")).isEqualTo("3");
        long wait = Long.parseLong(header(burst.get(3), "Retry-After"));
        assertThat(wait).isBetween(1L, 5L);

        Thread.sleep(TimeUnit.SECONDS.toMillis(wait) + 200);
        HttpResponse<String> last = get("/api/items");
        HttpResponse<String> refused = get("/api/items");

        assertThat(last.statusCode()).isEqualTo(200);
        assertThat(header(last, "X-RateLimit-Limit")).as("the hour is now nearest its end").isEqualTo("4");
        assertThat(header(last, "X-RateLimit-Remaining")).isEqualTo("0");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(Long.parseLong(header(refused, "Retry-After"))).isBetween(3_500L, 3_600L);
        assertThat(hits).hasValue(4);
    }

    @Test
    void everyResponseOfALimitedRouteCarriesTheHeadersErrorsIncluded() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        Filter limit = RateLimit.by(RateLimitKey.clientIp()).limit(3, HOUR).ietfHeaders(true).build();
        start(Gateway.builder()
                .route(Route.get("/api/broken").filter(limit).to(app))
                .route(Route.get("/api/down").filter(limit).to(Upstream.of("down", "http://127.0.0.1:" + closed)))
                .route(Route.get("/api/items").filter(limit).to(app)));

        List<HttpResponse<String>> responses = List.of(get("/api/items"), get("/api/broken"), get("/api/down"),
                get("/api/items"));

        assertThat(responses).extracting(HttpResponse::statusCode).containsExactly(200, 502, 502, 429);
        for (int i = 0; i < responses.size(); i++) {
            HttpResponse<String> response = responses.get(i);
            String left = Integer.toString(Math.max(0, 2 - i));
            assertThat(header(response, "X-RateLimit-Limit")).as("response %d", i).isEqualTo("3");
            assertThat(header(response, "X-RateLimit-Remaining")).as("response %d", i).isEqualTo(left);
            assertThat(Long.parseLong(header(response, "X-RateLimit-Reset"))).isBetween(3_500L, 3_600L);
            assertThat(header(response, "RateLimit-Policy")).isEqualTo("\"default\";q=3;w=3600");
            assertThat(header(response, "RateLimit")).startsWith("\"default\";r=" + left + ";t=");
        }
        assertThat(responses.get(2).body()).contains("\"error\":\"bad_gateway\"");
        HttpResponse<String> refused = responses.get(3);
        assertThat(refused.body()).contains("\"error\":\"too_many_requests\"").doesNotContain("Exception");
        assertThat(header(refused, "Content-Type")).startsWith("application/json");
        assertThat(Long.parseLong(header(refused, "Retry-After"))).isGreaterThanOrEqualTo(1);
        assertThat(hits).as("the refused request never reached the backend").hasValue(2);
    }

    @Test
    void concurrentRequestsFromManyThreadsNeverExceedTheBudget() throws Exception {
        start(Gateway.builder().route(Route.get("/api/items").filter(RateLimit.perClientIp(50, HOUR)).to(app)));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<int[]>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                results.add(pool.submit(() -> {
                    go.await();
                    int[] counts = new int[2];
                    for (int i = 0; i < 15; i++) {
                        int status = get("/api/items").statusCode();
                        counts[status == 200 ? 0 : status == 429 ? 1 : -1]++;
                    }
                    return counts;
                }));
            }
            go.countDown();
            int allowed = 0;
            int refused = 0;
            for (Future<int[]> result : results) {
                int[] counts = result.get(120, TimeUnit.SECONDS);
                allowed += counts[0];
                refused += counts[1];
            }
            assertThat(allowed).isEqualTo(50);
            assertThat(refused).isEqualTo(70);
            assertThat(hits).hasValue(50);
        } finally {
            pool.shutdownNow();
        }
    }
}
