package dev.portico.examples;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.auth.JwtAuth;
import dev.portico.core.upstream.Upstream;
import dev.portico.undertow.PorticoServer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * The benchmark proxy: a plain gateway on loopback that forwards every request unchanged to one upstream; with
 * {@code BENCH_JWT_SECRET} set it first requires a valid HS256 token signed with that secret's UTF-8 bytes, and with
 * {@code BENCH_JWT_KEY} (a PEM public key file, see {@link BenchKeys}) an RS256 or ES256 one; {@code BENCH_JWT_CACHE=0}
 * verifies every request's token anew, to measure each algorithm's own cost.
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
        return proxy(upstreamUrl, jwtSecret == null ? null
                : JwtAuth.builder().hs256(jwtSecret.getBytes(StandardCharsets.UTF_8)).build());
    }

    private static Gateway proxy(String upstreamUrl, JwtAuth auth) {
        Upstream upstream = Upstream.of("bench-upstream", upstreamUrl);
        Route.Builder route = Route.any("/**").id("bench");
        if (auth != null) {
            route.filter(auth);
        }
        return Gateway.builder().route(route.to(upstream)).build();
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
     * Starts the proxy from {@code BENCH_PORT}, {@code BENCH_UPSTREAM} and {@code BENCH_JWT_SECRET} and closes it
     * when the JVM shuts down.
     */
    static void startFromEnvironment(Map<String, String> env) {
        String upstream = env.getOrDefault("BENCH_UPSTREAM", DEFAULT_UPSTREAM);
        String secret = env.get("BENCH_JWT_SECRET");
        String keyFile = env.get("BENCH_JWT_KEY");
        int cache = "0".equals(env.get("BENCH_JWT_CACHE")) ? 0 : 10_000;
        JwtAuth auth = keyFile != null && !keyFile.isEmpty() ? BenchKeys.verifier(Path.of(keyFile), cache)
                : secret != null && !secret.isEmpty()
                ? JwtAuth.builder().hs256(secret.getBytes(StandardCharsets.UTF_8)).cacheSize(cache).build()
                : null;
        PorticoServer server = PorticoServer.builder(proxy(upstream, auth)).host("127.0.0.1")
                .port(port(env.get("BENCH_PORT"))).start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "bench-proxy-shutdown"));
        System.out.println("Bench proxy: http://127.0.0.1:" + server.port() + " -> " + upstream);
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
