package dev.portico.undertow.internal.client;

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
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The cost of reading an upstream's response head with {@link ResponseHead} from the connection's direct read buffer:
 * parsing alone, and the whole step the upstream call takes (finding the head's end, parsing it in place, moving the
 * buffer past it), on a typical JSON head, a chunked one and a large one (37 fields, 3.2 KiB).
 *
 * <p>It sits in {@code ResponseHead}'s package because that class is package-private; the benchmarks module is on
 * the plain class path (no {@code module-info}), where two jars may share a package.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ResponseHeadBenchmark {

    /** Which head: {@code typical}, {@code chunked} or {@code large}. */
    @Param({"typical", "chunked", "large"})
    public String head;

    private ByteBuffer buffer;

    /** Encodes the head and fills a direct buffer with it, as the upstream connection's pooled buffer would be. */
    @Setup
    public void fill() throws IOException {
        byte[] bytes = text(head).getBytes(StandardCharsets.ISO_8859_1);
        buffer = ByteBuffer.allocateDirect(bytes.length);
        buffer.put(bytes).flip();
        ResponseHead.parse(buffer, 0, buffer.limit()); // fails the run at once if the head is malformed
    }

    /** Parses a head whose end is known: status line, header names and values, framing. */
    @Benchmark
    public void parse(Blackhole bh) throws IOException {
        bh.consume(ResponseHead.parse(buffer, 0, buffer.limit()));
    }

    /** What {@code UpstreamCall.readHead} does once the head has arrived: scan, move past it, parse. */
    @Benchmark
    public void scanAndParse(Blackhole bh) throws IOException {
        ByteBuffer b = buffer;
        b.position(0);
        int start = b.position();
        int end = new ResponseHead.Scanner().scan(b, start, b.limit());
        b.position(end);
        bh.consume(ResponseHead.parse(b, start, end));
    }

    private static String text(String which) {
        switch (which) {
            case "typical":
                return "HTTP/1.1 200 OK\r\n"
                        + "Content-Type: application/json; charset=utf-8\r\n"
                        + "Content-Length: 1432\r\n"
                        + "Date: Sun, 29 Nov 2026 12:00:00 GMT\r\n"
                        + "Cache-Control: private, max-age=0, no-cache\r\n"
                        + "ETag: W/\"598-5f2a9c3e\"\r\n"
                        + "Vary: Accept-Encoding, Authorization\r\n"
                        + "X-Request-Id: 4d6f2b1e-8c3a-4f5e-9a7b-0c1d2e3f4a5b\r\n"
                        + "Connection: keep-alive\r\n"
                        + "\r\n";
            case "chunked":
                return "HTTP/1.1 200 OK\r\n"
                        + "Content-Type: application/json\r\n"
                        + "Transfer-Encoding: chunked\r\n"
                        + "Date: Sun, 29 Nov 2026 12:00:00 GMT\r\n"
                        + "Cache-Control: no-store\r\n"
                        + "Vary: Accept-Encoding\r\n"
                        + "X-Request-Id: 4d6f2b1e-8c3a-4f5e-9a7b-0c1d2e3f4a5b\r\n"
                        + "\r\n";
            case "large":
                return large();
            default:
                throw new IllegalArgumentException("head: " + which + " (expected: typical, chunked or large)");
        }
    }

    /** A web page's head behind a CDN (policies, five cookies, preload links, tracing): 37 fields, 3.2 KiB. */
    private static String large() {
        StringBuilder s = new StringBuilder(4096)
                .append("HTTP/1.1 200 OK\r\n")
                .append("Content-Type: text/html; charset=utf-8\r\n")
                .append("Content-Length: 48213\r\n")
                .append("Date: Sun, 29 Nov 2026 12:00:00 GMT\r\n")
                .append("Server: envoy\r\n")
                .append("Cache-Control: private, no-cache, no-store, must-revalidate, max-age=0\r\n")
                .append("Pragma: no-cache\r\n")
                .append("Expires: 0\r\n")
                .append("Last-Modified: Sun, 29 Nov 2026 11:58:41 GMT\r\n")
                .append("ETag: \"b7c1f0e2a9d84c6f3e5a7b9c1d3e5f70\"\r\n")
                .append("Vary: Accept-Encoding, Accept-Language, Cookie, Authorization\r\n")
                .append("Content-Security-Policy: default-src 'self'; script-src 'self' 'nonce-r4nd0mN0nc3Va1ue' "
                        + "https://cdn.example.com https://www.googletagmanager.com; style-src 'self' "
                        + "'unsafe-inline' https://cdn.example.com https://fonts.googleapis.com; img-src 'self' "
                        + "data: blob: https://images.example.com https://*.cloudfront.net; font-src 'self' "
                        + "https://fonts.gstatic.com; connect-src 'self' https://api.example.com "
                        + "wss://realtime.example.com https://sentry.example.com; frame-ancestors 'none'; "
                        + "base-uri 'self'; form-action 'self'; upgrade-insecure-requests; "
                        + "report-uri https://csp.example.com/report\r\n")
                .append("Strict-Transport-Security: max-age=63072000; includeSubDomains; preload\r\n")
                .append("X-Frame-Options: DENY\r\n")
                .append("X-Content-Type-Options: nosniff\r\n")
                .append("Referrer-Policy: strict-origin-when-cross-origin\r\n")
                .append("Permissions-Policy: accelerometer=(), camera=(), geolocation=(self), gyroscope=(), "
                        + "magnetometer=(), microphone=(), payment=(self \"https://pay.example.com\"), usb=()\r\n")
                .append("Cross-Origin-Opener-Policy: same-origin\r\n")
                .append("Cross-Origin-Resource-Policy: same-site\r\n");
        String[] cookies = {"session", "csrf_token", "locale", "ab_bucket", "consent"};
        for (String cookie : cookies) {
            s.append("Set-Cookie: ").append(cookie)
                    .append("=9b2f1c7e4a6d8e0f3a5c7b9d1e3f5a7c2b4d6f8a0c1e3a5c7e9b1d3f5a7c9e1b; Path=/; ")
                    .append("Domain=.example.com; Expires=Mon, 29 Nov 2027 12:00:00 GMT; Max-Age=31536000; ")
                    .append("Secure; HttpOnly; SameSite=Lax\r\n");
        }
        s.append("Link: <https://cdn.example.com/assets/app.3f9a1c.js>; rel=preload; as=script, "
                        + "<https://cdn.example.com/assets/app.77be02.css>; rel=preload; as=style, "
                        + "<https://fonts.gstatic.com>; rel=preconnect; crossorigin\r\n")
                .append("Access-Control-Allow-Origin: https://app.example.com\r\n")
                .append("Access-Control-Allow-Credentials: true\r\n")
                .append("Access-Control-Expose-Headers: X-Request-Id, X-RateLimit-Remaining, Link, ETag\r\n")
                .append("RateLimit-Policy: 600;w=60\r\n")
                .append("RateLimit: limit=600, remaining=587, reset=42\r\n")
                .append("Server-Timing: db;dur=12.4, cache;desc=\"miss\", render;dur=31.9, total;dur=48.7\r\n")
                .append("X-Request-Id: 4d6f2b1e-8c3a-4f5e-9a7b-0c1d2e3f4a5b\r\n")
                .append("Traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n")
                .append("X-Cache: Miss from cloudfront\r\n")
                .append("Via: 1.1 3f0e2b7c9a1d5e4f.cloudfront.net (CloudFront)\r\n")
                .append("X-Amz-Cf-Pop: FRA56-P4\r\n")
                .append("X-Amz-Cf-Id: q2kB3F_h0W7xY1zR9vT5uL8mN4pS6dE2cA0gJ3iK7oU1yX5wV9tZ8A==\r\n")
                .append("Connection: keep-alive\r\n")
                .append("\r\n");
        return s.toString();
    }
}
