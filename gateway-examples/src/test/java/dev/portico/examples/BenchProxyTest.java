package dev.portico.examples;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import dev.portico.undertow.PorticoServer;
import io.undertow.Undertow;
import io.undertow.util.HttpString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class BenchProxyTest {

    private static final byte[] PAYLOAD = {'{', '"', 'o', 'k', '"', ':', '1', '}', '\n', 0, (byte) 0xff, (byte) 0xc3};

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final AtomicReference<String> seen = new AtomicReference<>();
    private Undertow backend;
    private PorticoServer proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.stop(Duration.ZERO);
        }
        if (backend != null) {
            backend.stop();
        }
    }

    @Test
    void forwardsAGetWithItsQueryAndHeadersAndReturnsTheAnswerByteForByte() throws Exception {
        backend = Undertow.builder().addHttpListener(0, "127.0.0.1").setHandler(exchange -> {
            seen.set(exchange.getRequestMethod() + " " + exchange.getRequestURI() + "?" + exchange.getQueryString()
                    + " " + exchange.getRequestHeaders().getFirst("X-Bench"));
            exchange.getResponseHeaders().put(HttpString.tryFromString("X-Backend"), "yes");
            exchange.getResponseSender().send(ByteBuffer.wrap(PAYLOAD));
        }).build();
        backend.start();
        int backendPort = ((InetSocketAddress) backend.getListenerInfo().get(0).getAddress()).getPort();
        proxy = BenchProxy.start(0, "http://127.0.0.1:" + backendPort);

        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + proxy.port() + "/bench/a%20b?x=1&y=%2F&z=a+b"))
                        .header("X-Bench", "run-7").build(),
                HttpResponse.BodyHandlers.ofByteArray());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(PAYLOAD);
        assertThat(response.headers().firstValue("X-Backend")).hasValue("yes");
        assertThat(seen.get()).isEqualTo("GET /bench/a%20b?x=1&y=%2F&z=a+b run-7");
    }

    @Test
    void withBenchRateLimitEachClientIpGetsThatManyRequestsAMinute() throws Exception {
        backend = Undertow.builder().addHttpListener(0, "127.0.0.1")
                .setHandler(exchange -> exchange.getResponseSender().send("ok")).build();
        backend.start();
        int backendPort = ((InetSocketAddress) backend.getListenerInfo().get(0).getAddress()).getPort();
        proxy = BenchProxy.fromEnvironment(Map.of("BENCH_PORT", "0", "BENCH_RATE_LIMIT", "3",
                "BENCH_UPSTREAM", "http://127.0.0.1:" + backendPort));

        for (int i = 0; i < 3; i++) {
            HttpResponse<String> allowed = get(null);
            assertThat(allowed.statusCode()).isEqualTo(200);
            assertThat(allowed.headers().firstValue("X-RateLimit-Remaining")).hasValue(String.valueOf(2 - i));
        }
        assertThat(get(null).statusCode()).isEqualTo(429);
    }

    @Test
    void withTheApiAloneTheClientsTraceparentPassesUntouchedAndRequestIdsCanBeTurnedOff() throws Exception {
        backend = Undertow.builder().addHttpListener(0, "127.0.0.1").setHandler(exchange -> {
            seen.set(exchange.getRequestHeaders().getFirst("traceparent") + " "
                    + exchange.getRequestHeaders().getFirst("X-Request-Id"));
            exchange.getResponseSender().send("ok");
        }).build();
        backend.start();
        int backendPort = ((InetSocketAddress) backend.getListenerInfo().get(0).getAddress()).getPort();
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        proxy = BenchProxy.fromEnvironment(Map.of("BENCH_PORT", "0", "BENCH_OTEL", "api", "BENCH_REQUEST_IDS", "off",
                "BENCH_UPSTREAM", "http://127.0.0.1:" + backendPort));

        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port()
                + "/")).header("traceparent", traceparent).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Request-Id")).isEmpty();
        assertThat(seen.get()).isEqualTo(traceparent + " null");
    }

    @Test
    void withTheSdkAndAnAccessLogFileEachRequestIsTracedAndLogged(@TempDir Path dir) throws Exception {
        backend = Undertow.builder().addHttpListener(0, "127.0.0.1").setHandler(exchange -> {
            seen.set(exchange.getRequestHeaders().getFirst("traceparent"));
            exchange.getResponseSender().send("ok");
        }).build();
        backend.start();
        int backendPort = ((InetSocketAddress) backend.getListenerInfo().get(0).getAddress()).getPort();
        Path log = dir.resolve("access.log");
        proxy = BenchProxy.fromEnvironment(Map.of("BENCH_PORT", "0", "BENCH_OTEL", "sdk",
                "BENCH_ACCESS_LOG", log.toString(), "BENCH_UPSTREAM", "http://127.0.0.1:" + backendPort));

        assertThat(get(null).statusCode()).isEqualTo(200);

        String traceId = seen.get().split("-")[1]; // the gateway's client span injected the trace it recorded
        Instant deadline = Instant.now().plusSeconds(30);
        while (!Files.exists(log) || Files.readString(log).isEmpty()) {
            assertThat(Instant.now()).as("an access log line within 30 s").isBefore(deadline);
            Thread.sleep(20);
        }
        JsonObject line = JsonParser.parseString(Files.readAllLines(log).get(0)).getAsJsonObject();
        assertThat(line.get("traceId").getAsString()).isEqualTo(traceId);
        assertThat(line.get("instance").getAsString()).isEqualTo("127.0.0.1:" + backendPort);
    }

    @Test
    void refusesABenchRateLimitThatIsNotAPositiveNumber() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> BenchProxy.fromEnvironment(Map.of("BENCH_PORT", "0", "BENCH_RATE_LIMIT", "lots")))
                .withMessage("BENCH_RATE_LIMIT: lots (expected: a positive integer)");
    }

    @Test
    void withAJwtSecretItRequiresAValidTokenWithAnExpiry() throws Exception {
        String secret = "bench-secret-of-at-least-thirty-two-bytes";
        backend = Undertow.builder().addHttpListener(0, "127.0.0.1")
                .setHandler(exchange -> exchange.getResponseSender().send("ok")).build();
        backend.start();
        int backendPort = ((InetSocketAddress) backend.getListenerInfo().get(0).getAddress()).getPort();
        proxy = BenchProxy.start(0, "http://127.0.0.1:" + backendPort, secret);
        Algorithm key = Algorithm.HMAC256(secret.getBytes(StandardCharsets.UTF_8));
        String valid = JWT.create().withSubject("bench").withExpiresAt(Instant.now().plusSeconds(600)).sign(key);
        String noExpiry = JWT.create().withSubject("bench").sign(key);

        assertThat(get("Bearer " + valid).statusCode()).isEqualTo(200);
        assertThat(get("Bearer " + noExpiry).statusCode()).isEqualTo(401);
        assertThat(get(null).statusCode()).isEqualTo(401);
    }

    @ParameterizedTest
    @ValueSource(strings = {"RS256", "ES256"})
    void withAPublicKeyFileItRequiresTokensSignedWithItsPrivateHalf(String algorithm, @TempDir Path dir) throws Exception {
        backend = Undertow.builder().addHttpListener(0, "127.0.0.1")
                .setHandler(exchange -> exchange.getResponseSender().send("ok")).build();
        backend.start();
        int backendPort = ((InetSocketAddress) backend.getListenerInfo().get(0).getAddress()).getPort();
        Path key = dir.resolve("bench.pem");
        String token = BenchKeys.create(key, algorithm);
        String stranger = BenchKeys.create(dir.resolve("other.pem"), algorithm);
        proxy = PorticoServer.builder(Gateway.builder().route(Route.any("/**").filter(BenchKeys.verifier(key))
                .to(Upstream.of("backend", "http://127.0.0.1:" + backendPort))).build()).port(0).start();

        assertThat(JWT.decode(token).getAlgorithm()).isEqualTo(algorithm);
        assertThat(get("Bearer " + token).statusCode()).isEqualTo(200);
        assertThat(get("Bearer " + stranger).statusCode()).isEqualTo(401);
    }

    private HttpResponse<String> get(String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/"));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
