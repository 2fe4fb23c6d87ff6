package dev.portico.benchmarks;

import dev.portico.core.Gateway;
import dev.portico.core.Headers;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.internal.http.ProxyHeaders;
import dev.portico.core.internal.http.TrustedProxies;
import dev.portico.core.upstream.Endpoint;
import dev.portico.core.upstream.Upstream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The cost of the header passes {@link ProxyHeaders} makes on every proxied request, on a ten-header request from a
 * browser (straight from the client, with {@code Connection: keep-alive}) or from a mobile app (through a trusted
 * load balancer that set {@code X-Forwarded-For}, {@code -Proto} and {@code -Port}): the edge pass, the upstream pass
 * (hop-by-hop removal, forwarding headers, {@code Host}) and the hop-by-hop pass over a typical response.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ProxyHeadersBenchmark {

    private final Response response = Response.builder(200)
            .headers(Headers.of(
                    "Content-Type", "application/json; charset=utf-8",
                    "Content-Length", "1432",
                    "Date", "Sun, 29 Nov 2026 12:00:00 GMT",
                    "Cache-Control", "private, max-age=0, no-cache",
                    "ETag", "W/\"598-5f2a9c3e\"",
                    "Vary", "Accept-Encoding, Authorization",
                    "X-Request-Id", "4d6f2b1e-8c3a-4f5e-9a7b-0c1d2e3f4a5b",
                    "Strict-Transport-Security", "max-age=63072000; includeSubDomains"))
            .build();

    /** One client's request, as received and after the edge pass, with the addresses and lists the passes take. */
    @State(Scope.Benchmark)
    public static class Client {

        /** Who sent the request: {@code browser} (an untrusted peer) or {@code mobile} (through a trusted proxy). */
        @Param({"browser", "mobile"})
        public String client;

        final TrustedProxies trusted = new TrustedProxies(List.of("10.0.0.0/8"));
        final Endpoint endpoint = new Endpoint("http", "10.0.1.21", 8081, "");
        ProxyHeaders.Names clientIpHeaders;
        /** The identity and override headers, which the gateway strips in one pass. */
        ProxyHeaders.Names strippedHeaders;
        InetSocketAddress peer;
        InetSocketAddress local;
        /** The request as the server adapter hands it to the gateway. */
        Request received;
        /** The same request after the edge pass, as a route's filters pass it to the upstream call. */
        Request routed;

        /** Builds the request and takes the gateway's default header lists before measuring. */
        @Setup
        public void request() throws UnknownHostException {
            Gateway gateway = Gateway.builder()
                    .identityHeaders("X-User-Id", "X-User-Roles")
                    .route(Route.get("/api/v1/orders").to(Upstream.of("orders", "http://10.0.1.21:8081")))
                    .build();
            clientIpHeaders = ProxyHeaders.Names.of(gateway.clientIpHeaders());
            List<String> stripped = new java.util.ArrayList<>(gateway.identityHeaders());
            stripped.addAll(gateway.overrideHeaders());
            strippedHeaders = ProxyHeaders.Names.of(stripped);
            local = new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 0, 2, 5}), 8080);
            Headers headers;
            if (client.equals("browser")) {
                peer = new InetSocketAddress(InetAddress.getByAddress(new byte[] {(byte) 203, 0, 113, 7}), 52144);
                headers = Headers.of(
                        "Host", "api.example.com",
                        "Connection", "keep-alive",
                        "User-Agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, "
                                + "like Gecko) Chrome/131.0.0.0 Safari/537.36",
                        "Accept", "application/json, text/plain, */*",
                        "Accept-Language", "en-GB,en;q=0.9,de;q=0.8",
                        "Accept-Encoding", "gzip, deflate, br, zstd",
                        "Referer", "https://app.example.com/orders?page=2",
                        "Origin", "https://app.example.com",
                        "Cookie", "session=9b2f1c7e4a6d8e0f3a5c7b9d1e3f5a7c; _ga=GA1.2.1234567890.1732870000; "
                                + "theme=dark",
                        "Sec-Fetch-Mode", "cors");
            } else if (client.equals("mobile")) {
                peer = new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 0, 3, 17}), 41822);
                headers = Headers.of(
                        "Host", "api.example.com",
                        "User-Agent", "ExampleApp/5.12.1 (iPhone15,2; iOS 17.4; Scale/3.00)",
                        "Accept", "application/json",
                        "Accept-Language", "en-US;q=1, de-DE;q=0.9",
                        "Accept-Encoding", "gzip, deflate, br",
                        "Authorization", "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MTc"
                                + "2NDQ2MDAwMH0.3q0yHkL0jJ9oZ4bU8Zc4yX1mQ2wN5rT7vP9sA6dF0gE",
                        "X-Request-Id", "4d6f2b1e-8c3a-4f5e-9a7b-0c1d2e3f4a5b",
                        "X-Forwarded-For", "198.51.100.23",
                        "X-Forwarded-Proto", "https",
                        "X-Forwarded-Port", "443");
            } else {
                throw new IllegalArgumentException("client: " + client + " (expected: browser or mobile)");
            }
            received = Request.builder("GET", "/api/v1/orders").rawQuery("page=2&size=20").headers(headers).build();
            routed = edgePass(this);
        }
    }

    /**
     * The edge pass the gateway makes before routing: forwarding and client-IP headers dropped unless the peer is
     * trusted, identity and URL or method override headers dropped, {@code Connection} and the fields it names
     * dropped.
     */
    @Benchmark
    public Request edge(Client c) {
        return edgePass(c);
    }

    private static Request edgePass(Client c) {
        Request request = ProxyHeaders.stripUntrusted(c.received, c.peer, c.trusted, c.clientIpHeaders);
        request = ProxyHeaders.stripIdentity(request, c.strippedHeaders);
        return ProxyHeaders.stripConnectionOptions(request);
    }

    /**
     * The upstream pass, with the same arguments the pipeline computes for each call: hop-by-hop headers removed,
     * {@code X-Forwarded-For}, {@code -Proto}, {@code -Host}, {@code -Port} and {@code Forwarded} set, and the
     * upstream's {@code Host}.
     */
    @Benchmark
    public Request forRequest(Client c) {
        return ProxyHeaders.forRequest(c.routed, c.endpoint, c.peer, c.local, c.trusted.trusts(c.peer), false,
                c.received.header("Host"), null);
    }

    /** The hop-by-hop pass over a typical eight-header JSON response that has none to remove. */
    @Benchmark
    public Response forResponse() {
        return ProxyHeaders.forResponse(response);
    }
}
