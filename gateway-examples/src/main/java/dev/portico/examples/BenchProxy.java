package dev.portico.examples;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.auth.JwtAuth;
import dev.portico.core.observe.AccessLog;
import dev.portico.core.observe.RequestIds;
import dev.portico.core.observe.Telemetry;
import dev.portico.core.ratelimit.LocalRateLimiter;
import dev.portico.core.ratelimit.RateLimit;
import dev.portico.core.ratelimit.RateLimitKey;
import dev.portico.core.ratelimit.RateLimiter;
import dev.portico.core.resilience.RetryBudget;
import dev.portico.core.resilience.RetryPolicy;
import dev.portico.core.upstream.OutlierDetection;
import dev.portico.core.upstream.Upstream;
import dev.portico.redis.RedisRateLimiter;
import dev.portico.undertow.PorticoServer;
import io.opentelemetry.api.OpenTelemetry;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The benchmark proxy: a plain gateway on loopback that forwards every request unchanged to one upstream (or, given
 * a comma-separated list of instances, balances over them with passive ejection and retries on another instance); with
 * {@code BENCH_JWT_SECRET} set it first requires a valid HS256 token signed with that secret's UTF-8 bytes, and with
 * {@code BENCH_JWT_KEY} (a PEM public key file, see {@link BenchKeys}) an RS256 or ES256 one; {@code BENCH_JWT_CACHE=0}
 * verifies every request's token anew, to measure each algorithm's own cost; {@code BENCH_RATE_LIMIT} applies that
 * many requests a minute per client IP, in local buckets, or in Redis when {@code REDIS_URL} is set too;
 * {@code BENCH_OTEL=sdk} installs the OpenTelemetry SDK (every span recorded, none exported; metrics kept in memory)
 * and {@code BENCH_OTEL=api} gives the gateway the API with no SDK behind it ({@code OpenTelemetry.noop()}),
 * {@code BENCH_ACCESS_LOG=FILE} writes the access log's lines to that file (its buffered file writer), and
 * {@code BENCH_REQUEST_IDS=off} turns request ids off, to measure what they cost.
 */
public final class BenchProxy {

    private static final int DEFAULT_PORT = 19104;
    private static final String DEFAULT_UPSTREAM = "http://127.0.0.1:19001";

    private BenchProxy() {
    }

    /** Returns a gateway that forwards any method on any path, with its query and headers, to {@code upstreamUrl}. */
    public static Gateway gateway(String upstreamUrl) {
        return gateway(upstreamUrl, null);
    }

    /**
     * Returns the bench gateway; with a {@code jwtSecret}, every request must carry a valid HS256 token signed with
     * its UTF-8 bytes ({@code exp} required), else 401.
     */
    public static Gateway gateway(String upstreamUrl, String jwtSecret) {
        Gateway.Builder gateway = Gateway.builder();
        return proxy(gateway, upstreamUrl, jwtSecret == null ? null
                : JwtAuth.builder().hs256(jwtSecret.getBytes(StandardCharsets.UTF_8)).build(), null);
    }

    private static Gateway proxy(Gateway.Builder gateway, String upstreamUrls, JwtAuth auth, RateLimit limit) {
        String[] urls = upstreamUrls.split(",");
        Route.Builder route = Route.any("/**").id("bench");
        Upstream upstream;
        if (urls.length == 1) {
            upstream = Upstream.of("bench-upstream", urls[0].trim());
        } else {
            upstream = balanced(urls);
            // idempotent methods, 3 attempts, each on another instance; a hung instance's attempt gives up after 2 s
            route.retries(RetryPolicy.builder().perTryTimeout(Duration.ofSeconds(2)).build());
        }
        if (auth != null) {
            route.filter(auth);
        }
        if (limit != null) {
            route.filter(limit);
        }
        return gateway.route(route.to(upstream)).build();
    }

    /**
     * Returns the upstream of several instances, with what a production user would turn on: round robin, passive
     * ejection (5 failures in a row eject an instance for 10 s, longer each time it recurs but never over 20 s, so
     * that a restarted instance gets traffic again within 30 s; at most half of them are out), and a retry budget as
     * large as the share of instances that may fail at once, so that the calls in flight on a killed instance are all
     * retried on another.
     */
    private static Upstream balanced(String[] urls) {
        Upstream.Builder upstream = Upstream.builder("bench-upstream")
                .outlierDetection(OutlierDetection.builder().consecutiveFailures(5).baseEjectionTime(Duration.ofSeconds(10))
                        .maxEjectionTime(Duration.ofSeconds(20)).maxEjectedShare(0.5).build())
                .retryBudget(RetryBudget.of(0.5, 10));
        for (String url : urls) {
            upstream.instance(url.trim());
        }
        return upstream.build();
    }

    /** Returns the per-client-IP limit {@code BENCH_RATE_LIMIT} asks for, in Redis with {@code REDIS_URL}, or null. */
    private static RateLimit rateLimit(Map<String, String> env) {
        String perMinute = env.get("BENCH_RATE_LIMIT");
        if (perMinute == null || perMinute.isBlank()) {
            return null;
        }
        long permits;
        try {
            permits = Long.parseLong(perMinute.trim());
        } catch (NumberFormatException e) {
            permits = 0;
        }
        if (permits < 1) {
            throw new IllegalArgumentException("BENCH_RATE_LIMIT: " + perMinute + " (expected: a positive integer)");
        }
        String redis = env.get("REDIS_URL");
        RateLimiter limiter = redis == null || redis.isBlank() ? LocalRateLimiter.create()
                : RedisRateLimiter.builder(redis.trim()).failClosed().build();
        return RateLimit.by(RateLimitKey.clientIp()).name("bench").limit(permits, Duration.ofMinutes(1))
                .limiter(limiter).build();
    }

    /** Starts the proxy on {@code 127.0.0.1:port} (0 picks a free port). */
    public static PorticoServer start(int port, String upstreamUrl) {
        return start(port, upstreamUrl, null);
    }

    /** Starts the proxy on {@code 127.0.0.1:port}, requiring tokens signed with {@code jwtSecret} unless null. */
    public static PorticoServer start(int port, String upstreamUrl, String jwtSecret) {
        return PorticoServer.builder(gateway(upstreamUrl, jwtSecret)).host("127.0.0.1").port(port).start();
    }

    /**
     * Starts the proxy from {@code BENCH_PORT}, {@code BENCH_UPSTREAM}, the token variables, {@code BENCH_RATE_LIMIT}
     * and {@code REDIS_URL}, and closes it when the JVM shuts down.
     */
    static void startFromEnvironment(Map<String, String> env) {
        PorticoServer server = fromEnvironment(env);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "bench-proxy-shutdown"));
        System.out.println("Bench proxy: http://127.0.0.1:" + server.port() + " -> "
                + env.getOrDefault("BENCH_UPSTREAM", DEFAULT_UPSTREAM));
    }

    /** Starts the proxy these environment variables describe. */
    static PorticoServer fromEnvironment(Map<String, String> env) {
        String upstream = env.getOrDefault("BENCH_UPSTREAM", DEFAULT_UPSTREAM);
        String secret = env.get("BENCH_JWT_SECRET");
        String keyFile = env.get("BENCH_JWT_KEY");
        int cache = "0".equals(env.get("BENCH_JWT_CACHE")) ? 0 : 10_000;
        JwtAuth auth = keyFile != null && !keyFile.isEmpty() ? BenchKeys.verifier(Path.of(keyFile), cache)
                : secret != null && !secret.isEmpty()
                ? JwtAuth.builder().hs256(secret.getBytes(StandardCharsets.UTF_8)).cacheSize(cache).build()
                : null;
        Gateway.Builder gateway = Gateway.builder();
        if ("sdk".equals(env.get("BENCH_OTEL"))) {
            gateway.telemetry(Telemetry.of(BenchTelemetry.sdk()));
        } else if ("api".equals(env.get("BENCH_OTEL"))) {
            gateway.telemetry(Telemetry.of(OpenTelemetry.noop()));
        }
        if ("off".equals(env.get("BENCH_REQUEST_IDS"))) {
            gateway.requestIds(RequestIds.disabled());
        }
        String accessLog = env.get("BENCH_ACCESS_LOG");
        if (accessLog != null && !accessLog.isBlank()) {
            gateway.accessLog(AccessLog.builder().file(Path.of(accessLog.trim())).build());
        }
        return PorticoServer.builder(proxy(gateway, upstream, auth, rateLimit(env))).host("127.0.0.1")
                .port(port(env.get("BENCH_PORT"))).start();
    }

    private static int port(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_PORT;
        }
        int port;
        try {
            port = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("BENCH_PORT: " + value + " (expected: 0-65535)");
        }
        return port;
    }
}
