package dev.portico.examples.mobile;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The mobile demo's settings, read from the environment by {@link #fromEnvironment(Map)} or given directly in tests.
 *
 * @param gatewayPort  the gateway's port, 0 for a free one ({@code GATEWAY_PORT}, default 8080)
 * @param backendDelay the artificial delay of every service response ({@code DEMO_BACKEND_DELAY_MS}, default 0)
 * @param routeTimeout the upstream timeout of every route ({@code DEMO_ROUTE_TIMEOUT_MS}, default 2000)
 * @param failService  {@code user}, {@code product} or {@code order} to make that service answer 500, or
 *                     {@code null} ({@code DEMO_FAIL_SERVICE}, default none)
 * @param jwtSecret    the HS256 key of the demo's tokens, as UTF-8 bytes, at least 32 of them ({@code DEMO_JWT_SECRET},
 *                     default {@link #DEFAULT_JWT_SECRET})
 * @param rateLimitPerMinute the requests each client IP may make in any 60 seconds on the public product routes, and
 *                     each token's {@code sub} on the authenticated routes, 1 to 1,000,000
 *                     ({@code DEMO_RATE_LIMIT_PER_MINUTE}, default 600)
 * @param redisUrl     the Redis that holds the rate limits, such as {@code redis://127.0.0.1:6379}, or {@code null}
 *                     for limits local to the process ({@code REDIS_URL}, default none)
 * @param logTraces    whether the gateway's spans are written to its log ({@code DEMO_TRACES=log}) rather than not
 *                     recorded at all ({@code DEMO_TRACES=none}, the default)
 * @param tls          the gateway's TLS listener, or {@code null} for none ({@code GATEWAY_TLS_PORT},
 *                     {@code GATEWAY_TLS_CERT}, {@code GATEWAY_TLS_KEY}; default none)
 */
public record DemoConfig(int gatewayPort, Duration backendDelay, Duration routeTimeout, String failService,
                         String jwtSecret, long rateLimitPerMinute, String redisUrl, boolean logTraces, Tls tls) {

    /**
     * The gateway's TLS listener: HTTP/1.1 and HTTP/2 (ALPN) on {@code port}, with the PEM certificate chain and
     * key of these files, or a self-signed {@code localhost} certificate when both are {@code null}.
     */
    public record Tls(int port, Path certificate, Path privateKey) {
        public Tls {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("GATEWAY_TLS_PORT: " + port + " (expected: 0-65535)");
            }
            if ((certificate == null) != (privateKey == null)) {
                throw new IllegalArgumentException("GATEWAY_TLS_CERT and GATEWAY_TLS_KEY: expected both or neither");
            }
        }
    }

    /** The requests a minute each client or user may make when {@code DEMO_RATE_LIMIT_PER_MINUTE} is unset. */
    public static final long DEFAULT_RATE_LIMIT_PER_MINUTE = 600;
    /** The most requests a minute: the sliding window remembers each accepted request's time for a minute. */
    private static final long MAX_RATE_LIMIT_PER_MINUTE = 1_000_000;

    /** The demo's token key when {@code DEMO_JWT_SECRET} is unset: documented, so set your own outside a demo. */
    public static final String DEFAULT_JWT_SECRET = "portico-demo-secret-change-me-in-production";

    private static final Set<String> SERVICES = Set.of("user", "product", "order");
    private static final int MIN_SECRET_BYTES = 32;

    public DemoConfig {
        if (gatewayPort < 0 || gatewayPort > 65535) {
            throw new IllegalArgumentException("gatewayPort: " + gatewayPort + " (expected: 0-65535)");
        }
        Objects.requireNonNull(backendDelay, "backendDelay");
        if (backendDelay.isNegative()) {
            throw new IllegalArgumentException("backendDelay: " + backendDelay + " (expected: >= 0)");
        }
        Objects.requireNonNull(routeTimeout, "routeTimeout");
        if (routeTimeout.isNegative() || routeTimeout.isZero()) {
            throw new IllegalArgumentException("routeTimeout: " + routeTimeout + " (expected: > 0)");
        }
        if (failService != null && !SERVICES.contains(failService)) {
            throw new IllegalArgumentException("failService: " + failService + " (expected: user, product or order)");
        }
        Objects.requireNonNull(jwtSecret, "jwtSecret");
        if (jwtSecret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("jwtSecret: " + jwtSecret.getBytes(StandardCharsets.UTF_8).length
                    + " bytes (expected: at least " + MIN_SECRET_BYTES + ")");
        }
        if (rateLimitPerMinute < 1 || rateLimitPerMinute > MAX_RATE_LIMIT_PER_MINUTE) {
            throw new IllegalArgumentException("rateLimitPerMinute: " + rateLimitPerMinute + " (expected: 1 to "
                    + MAX_RATE_LIMIT_PER_MINUTE + ")");
        }
    }

    /** Returns settings with the default rate limit, local to the process. */
    public DemoConfig(int gatewayPort, Duration backendDelay, Duration routeTimeout, String failService,
                      String jwtSecret) {
        this(gatewayPort, backendDelay, routeTimeout, failService, jwtSecret, DEFAULT_RATE_LIMIT_PER_MINUTE, null, false,
                null);
    }

    /** Returns settings with the default token key and rate limit, local to the process. */
    public DemoConfig(int gatewayPort, Duration backendDelay, Duration routeTimeout, String failService) {
        this(gatewayPort, backendDelay, routeTimeout, failService, DEFAULT_JWT_SECRET);
    }

    /** Returns these settings with another rate limit a minute. */
    public DemoConfig withRateLimitPerMinute(long perMinute) {
        return new DemoConfig(gatewayPort, backendDelay, routeTimeout, failService, jwtSecret, perMinute, redisUrl,
                logTraces, tls);
    }

    /** Returns these settings with the rate limits in this Redis ({@code null}: local to the process). */
    public DemoConfig withRedisUrl(String url) {
        return new DemoConfig(gatewayPort, backendDelay, routeTimeout, failService, jwtSecret, rateLimitPerMinute, url,
                logTraces, tls);
    }

    /** Returns these settings with the gateway's spans written to its log, or not recorded. */
    public DemoConfig withLogTraces(boolean log) {
        return new DemoConfig(gatewayPort, backendDelay, routeTimeout, failService, jwtSecret, rateLimitPerMinute,
                redisUrl, log, tls);
    }

    /** Returns these settings with this TLS listener ({@code null}: none). */
    public DemoConfig withTls(Tls listener) {
        return new DemoConfig(gatewayPort, backendDelay, routeTimeout, failService, jwtSecret, rateLimitPerMinute,
                redisUrl, logTraces, listener);
    }

    /** Returns the defaults: port 8080, no delay, a 2 s route timeout, no failing service and no trace export. */
    public static DemoConfig defaults() {
        return new DemoConfig(8080, Duration.ZERO, Duration.ofSeconds(2), null);
    }

    /** Returns the settings these environment variables give, the defaults for those absent or blank. */
    public static DemoConfig fromEnvironment(Map<String, String> env) {
        DemoConfig defaults = defaults();
        return new DemoConfig(
                (int) number(env, "GATEWAY_PORT", defaults.gatewayPort(), 0, 65535),
                Duration.ofMillis(number(env, "DEMO_BACKEND_DELAY_MS", 0, 0, Integer.MAX_VALUE)),
                Duration.ofMillis(number(env, "DEMO_ROUTE_TIMEOUT_MS", defaults.routeTimeout().toMillis(), 1,
                        Integer.MAX_VALUE)),
                service(env, "DEMO_FAIL_SERVICE"),
                secret(env, "DEMO_JWT_SECRET"),
                number(env, "DEMO_RATE_LIMIT_PER_MINUTE", DEFAULT_RATE_LIMIT_PER_MINUTE, 1, MAX_RATE_LIMIT_PER_MINUTE),
                redisUrl(env, "REDIS_URL"),
                logTraces(env, "DEMO_TRACES"),
                tls(env));
    }

    private static Tls tls(Map<String, String> env) {
        if (value(env, "GATEWAY_TLS_PORT") == null) {
            if (value(env, "GATEWAY_TLS_CERT") != null || value(env, "GATEWAY_TLS_KEY") != null) {
                throw new IllegalArgumentException("GATEWAY_TLS_CERT, GATEWAY_TLS_KEY: set, but GATEWAY_TLS_PORT is not");
            }
            return null;
        }
        String cert = value(env, "GATEWAY_TLS_CERT");
        String key = value(env, "GATEWAY_TLS_KEY");
        return new Tls((int) number(env, "GATEWAY_TLS_PORT", 0, 0, 65535), cert == null ? null : Path.of(cert),
                key == null ? null : Path.of(key));
    }

    private static boolean logTraces(Map<String, String> env, String name) {
        String value = value(env, name);
        if (value == null || value.equalsIgnoreCase("none")) {
            return false;
        }
        if (value.equalsIgnoreCase("log")) {
            return true;
        }
        throw new IllegalArgumentException(name + ": " + value + " (expected: log or none)");
    }

    private static String secret(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isEmpty()) {
            return DEFAULT_JWT_SECRET;
        }
        if (value.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
            // the value is a secret: say how long it is, never what it is
            throw new IllegalArgumentException(name + ": " + value.getBytes(StandardCharsets.UTF_8).length
                    + " bytes (expected: at least " + MIN_SECRET_BYTES + ")");
        }
        return value;
    }

    private static String redisUrl(Map<String, String> env, String name) {
        String value = value(env, name);
        if (value != null && !value.startsWith("redis://") && !value.startsWith("rediss://")) {
            // a URL may carry a password: name the variable and the expected form, never echo the value
            throw new IllegalArgumentException(name + ": expected redis://HOST:PORT or rediss://HOST:PORT");
        }
        return value;
    }

    /** Returns whether the named service ({@code user}, {@code product} or {@code order}) answers 500. */
    boolean fails(String service) {
        return service.equals(failService);
    }

    private static String value(Map<String, String> env, String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static long number(Map<String, String> env, String name, long fallback, long min, long max) {
        String value = value(env, name);
        if (value == null) {
            return fallback;
        }
        long number;
        try {
            number = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw invalid(name, value, min, max);
        }
        if (number < min || number > max) {
            throw invalid(name, value, min, max);
        }
        return number;
    }

    private static String service(Map<String, String> env, String name) {
        String value = value(env, name);
        if (value == null) {
            return null;
        }
        String service = value.toLowerCase(Locale.ROOT);
        if (!SERVICES.contains(service)) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: user, product or order)");
        }
        return service;
    }

    private static IllegalArgumentException invalid(String name, String value, long min, long max) {
        return new IllegalArgumentException(name + ": " + value + " (expected: an integer from " + min + " to " + max + ")");
    }
}
