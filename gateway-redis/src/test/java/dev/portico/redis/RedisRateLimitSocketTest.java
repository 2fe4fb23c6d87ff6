package dev.portico.redis;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.portico.core.Gateway;
import dev.portico.core.Handler;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.ratelimit.LocalRateLimiter;
import dev.portico.core.ratelimit.RateLimit;
import dev.portico.core.ratelimit.RateLimitKey;
import dev.portico.core.ratelimit.RateLimiter;
import dev.portico.undertow.PorticoServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Gateways over real sockets, rate limited through one real redis-server: the combined limit across two gateways,
 * and what a client sees under each failure policy while Redis is down and after it is back.
 */
class RedisRateLimitSocketTest {

    private static final Duration HOUR = Duration.ofHours(1);

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicInteger hits = new AtomicInteger();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private RedisServer redis;

    @BeforeEach
    void startRedis() throws Exception {
        redis = RedisServer.start();
    }

    @AfterEach
    void stopAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        redis.close();
    }

    @Test
    void twoGatewaysSharingOneRedisEnforceTheCombinedLimitExactly() throws Exception {
        List<PorticoServer> gateways = List.of(gateway(exact(), 10), gateway(exact(), 10));
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                PorticoServer gateway = gateways.get(i % 2);
                calls.add(threads.submit(() -> {
                    go.await();
                    return get(gateway, "/api/items", "X-Api-Key", "tenant-1");
                }));
            }
            go.countDown();
            List<HttpResponse<String>> responses = new ArrayList<>();
            for (Future<HttpResponse<String>> call : calls) {
                responses.add(call.get(60, TimeUnit.SECONDS));
            }

            assertThat(responses).filteredOn(r -> r.statusCode() == 200).hasSize(10)
                    .extracting(r -> header(r, "X-RateLimit-Remaining"))
                    .containsExactlyInAnyOrder("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
            assertThat(responses).filteredOn(r -> r.statusCode() != 200).hasSize(30).allSatisfy(r -> {
                assertThat(r.statusCode()).isEqualTo(429);
                assertThat(header(r, "Retry-After")).isNotNull();
                assertThat(header(r, "X-RateLimit-Remaining")).isEqualTo("0");
            });
            assertThat(hits).as("only the allowed requests reach the service").hasValue(10);
            assertThat(get(gateways.get(0), "/api/items", "X-Api-Key", "tenant-2").statusCode())
                    .as("another key has its own budget").isEqualTo(200);
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void whileRedisIsDownEachPolicyAnswersAsStatedAndLimitsCountAgainOnceItIsBack() throws Exception {
        PorticoServer open = gateway(policy(RedisRateLimiter.builder(redis.uri()).failOpen()), 3);
        PorticoServer local = gateway(policy(RedisRateLimiter.builder(redis.uri())
                .failOpen(LocalRateLimiter.create())), 3);
        PorticoServer closed = gateway(policy(RedisRateLimiter.builder(redis.uri()).failClosed()), 3);
        for (PorticoServer gateway : List.of(open, local, closed)) {
            assertThat(awaitMetered(gateway).statusCode()).isEqualTo(200);
        }
        int reached = hits.get();

        redis.stop();

        HttpResponse<String> unmetered = get(open, "/api/items", "X-Api-Key", "k");
        assertThat(unmetered.statusCode()).isEqualTo(200);
        assertThat(unmetered.body()).isEqualTo("reached");
        assertThat(unmetered.headers().map().keySet()).noneMatch(name -> name.toLowerCase().contains("ratelimit"));

        List<HttpResponse<String>> fallback = List.of(get(local, "/api/items", "X-Api-Key", "k"),
                get(local, "/api/items", "X-Api-Key", "k"), get(local, "/api/items", "X-Api-Key", "k"),
                get(local, "/api/items", "X-Api-Key", "k"));
        assertThat(fallback).extracting(HttpResponse::statusCode).containsExactly(200, 200, 200, 429);
        assertThat(fallback).extracting(r -> header(r, "X-RateLimit-Remaining")).containsExactly("2", "1", "0", "0");
        assertThat(header(fallback.get(3), "Retry-After")).isNotNull();

        HttpResponse<String> refused = get(closed, "/api/items", "X-Api-Key", "k");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(header(refused, "Content-Type")).startsWith("application/json");
        JsonObject body = JsonParser.parseString(refused.body()).getAsJsonObject();
        assertThat(body.keySet()).containsExactlyInAnyOrder("error", "message", "requestId");
        assertThat(body.get("requestId").getAsString()).isEqualTo(header(refused, "X-Request-Id"));
        assertThat(body.get("error").getAsString()).isEqualTo("rate_limiter_unavailable");
        assertThat(refused.body()).doesNotContain("Redis", "Exception", "lettuce");
        assertThat(header(refused, "X-RateLimit-Remaining")).isNull();

        assertThat(hits.get() - reached).as("the unmetered request and the fallback's three").isEqualTo(4);

        redis.restart();
        for (PorticoServer gateway : List.of(open, closed)) {
            HttpResponse<String> counted = awaitMetered(gateway);
            assertThat(counted.statusCode()).isEqualTo(200);
            assertThat(header(counted, "X-RateLimit-Limit")).isEqualTo("3");
        }
        HttpResponse<String> fromRedis = awaitStatus(local, 200, "k");
        assertThat(header(fromRedis, "X-RateLimit-Remaining"))
                .as("the restarted Redis counts k afresh, where the fallback had spent it").isNotNull();
    }

    /** A limiter that waits long enough under any load, and fails closed so that a failure never passes. */
    private RedisRateLimiter exact() {
        return policy(RedisRateLimiter.builder(redis.uri()).timeout(Duration.ofSeconds(5)).failClosed());
    }

    private RedisRateLimiter policy(RedisRateLimiter.Builder builder) {
        RedisRateLimiter limiter = builder.build();
        closeables.add(limiter);
        return limiter;
    }

    /** Starts a gateway whose route allows each API key {@code permits} requests an hour, counted by {@code limiter}. */
    private PorticoServer gateway(RateLimiter limiter, long permits) {
        RateLimit limit = RateLimit.by(RateLimitKey.header("X-Api-Key"))
                .limit(permits, HOUR)
                .limiter(limiter)
                .name("api")
                .build();
        PorticoServer server = PorticoServer.start(Gateway.builder()
                .route(Route.get("/api/items").filter(limit).handler(Handler.sync((request, context) -> {
                    hits.incrementAndGet();
                    return Response.text(200, "reached");
                })))
                .build(), "127.0.0.1", 0);
        closeables.add(() -> server.stop(Duration.ZERO));
        return server;
    }

    /** Sends requests with a fresh key until Redis counts one (rate-limit headers present), up to 15 s. */
    private HttpResponse<String> awaitMetered(PorticoServer gateway) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        int attempt = 0;
        while (true) {
            HttpResponse<String> response = get(gateway, "/api/items", "X-Api-Key", "probe-" + attempt++);
            if (header(response, "X-RateLimit-Remaining") != null) {
                return response;
            }
            assertThat(System.nanoTime()).as("Redis counts again within 15 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** Sends requests with {@code key} until one is answered with {@code status}, up to 15 s. */
    private HttpResponse<String> awaitStatus(PorticoServer gateway, int status, String key) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            HttpResponse<String> response = get(gateway, "/api/items", "X-Api-Key", key);
            if (response.statusCode() == status) {
                return response;
            }
            assertThat(System.nanoTime()).as("answered " + status + " within 15 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private HttpResponse<String> get(PorticoServer gateway, String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }
}
