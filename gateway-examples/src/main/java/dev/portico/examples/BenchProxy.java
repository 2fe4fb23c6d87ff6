package dev.portico.examples;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import dev.portico.undertow.PorticoServer;

import java.util.Map;

/** The benchmark proxy: a plain gateway on loopback that forwards every request unchanged to one upstream. */
public final class BenchProxy {

    private static final int DEFAULT_PORT = 19104;
    private static final String DEFAULT_UPSTREAM = "http://127.0.0.1:19001";

    private BenchProxy() {
    }

    /** Returns a gateway that forwards any method on any path, with its query and headers, to {@code upstreamUrl}. */
    public static Gateway gateway(String upstreamUrl) {
        Upstream upstream = Upstream.of("bench-upstream", upstreamUrl);
        return Gateway.builder().route(Route.any("/**").id("bench").to(upstream)).build();
    }

    /** Starts the proxy on {@code 127.0.0.1:port} (0 picks a free port). */
    public static PorticoServer start(int port, String upstreamUrl) {
        return PorticoServer.builder(gateway(upstreamUrl)).host("127.0.0.1").port(port).start();
    }

    /** Starts the proxy from {@code BENCH_PORT} and {@code BENCH_UPSTREAM} and closes it when the JVM shuts down. */
    static void startFromEnvironment(Map<String, String> env) {
        String upstream = env.getOrDefault("BENCH_UPSTREAM", DEFAULT_UPSTREAM);
        PorticoServer server = start(port(env.get("BENCH_PORT")), upstream);
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
