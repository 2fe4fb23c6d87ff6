package dev.portico.undertow;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTCreator;
import com.auth0.jwt.algorithms.Algorithm;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.auth.JwtAuth;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Every forged, broken or unfit token, over a real socket: 401 with a Bearer challenge, and nothing reaches the service. */
class JwtRejectionsSocketTest {

    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private static final AtomicInteger REACHED = new AtomicInteger();
    private static KeyPair rsa;
    private static Backend backend;
    private static PorticoServer server;

    @BeforeAll
    static void start() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        rsa = generator.generateKeyPair();
        backend = Backend.start(exchange -> {
            REACHED.incrementAndGet();
            exchange.getResponseSender().send("reached");
        });
        JwtAuth jwt = JwtAuth.builder()
                .hs256("hs", SECRET)
                .rs256("rsa", (RSAPublicKey) rsa.getPublic())
                .issuer("https://issuer.example")
                .audience("orders")
                .clockSkew(Duration.ofSeconds(30))
                .requireClaim("tenant")
                .build();
        server = PorticoServer.builder(Gateway.builder()
                .route(Route.get("/api/orders").filter(jwt).to(Upstream.of("orders", backend.url()))).build())
                .port(0).drainTimeout(Duration.ZERO).start();
    }

    @AfterAll
    static void stop() {
        server.close();
        backend.close();
    }

    private static JWTCreator.Builder valid() {
        return JWT.create().withKeyId("hs").withIssuer("https://issuer.example").withAudience("orders")
                .withSubject("alice").withClaim("tenant", "acme").withExpiresAt(Instant.now().plusSeconds(300));
    }

    private static String hs(UnaryOperator<JWTCreator.Builder> change) {
        return change.apply(valid()).sign(Algorithm.HMAC256(SECRET));
    }

    private static String b64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String unsigned(String alg) {
        String[] parts = hs(t -> t).split("\\.");
        return b64("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\",\"kid\":\"hs\"}") + '.' + parts[1] + '.';
    }

    static Stream<Arguments> forgedTokens() {
        String good = hs(t -> t);
        String[] parts = good.split("\\.");
        return Stream.of(
                arguments("alg none", "Bearer " + unsigned("none")),
                arguments("alg None", "Bearer " + unsigned("None")),
                arguments("alg NONE", "Bearer " + unsigned("NONE")),
                arguments("alg nOnE", "Bearer " + unsigned("nOnE")),
                arguments("HS256 signed with the RSA public key", "Bearer " + valid().withKeyId("rsa")
                        .sign(Algorithm.HMAC256(rsa.getPublic().getEncoded()))),
                arguments("RS256 under the HMAC key's kid", "Bearer " + valid().withKeyId("hs")
                        .sign(Algorithm.RSA256((RSAPublicKey) rsa.getPublic(), (RSAPrivateKey) rsa.getPrivate()))),
                arguments("unknown kid", "Bearer " + hs(t -> t.withKeyId("ghost"))),
                arguments("wrong key", "Bearer " + valid().sign(Algorithm.HMAC256("fedcba9876543210fedcba9876543210"))),
                arguments("expired", "Bearer " + hs(t -> t.withExpiresAt(Instant.now().minusSeconds(120)))),
                arguments("not yet valid", "Bearer " + hs(t -> t.withNotBefore(Instant.now().plusSeconds(120)))),
                arguments("no exp", "Bearer " + JWT.create().withKeyId("hs").withIssuer("https://issuer.example")
                        .withAudience("orders").withSubject("alice").withClaim("tenant", "acme").sign(Algorithm.HMAC256(SECRET))),
                arguments("wrong issuer", "Bearer " + hs(t -> t.withIssuer("https://evil.example"))),
                arguments("wrong audience", "Bearer " + hs(t -> t.withAudience("billing"))),
                arguments("missing claim", "Bearer " + hs(t -> t.withClaim("tenant", (String) null))),
                arguments("tampered payload", "Bearer " + parts[0] + '.' + b64("{\"sub\":\"root\"}") + '.' + parts[2]),
                arguments("bad base64", "Bearer " + parts[0] + ".!!!." + parts[2]),
                arguments("bad JSON", "Bearer " + b64("{not json") + '.' + parts[1] + '.' + parts[2]),
                arguments("two segments", "Bearer " + parts[0] + '.' + parts[1]),
                arguments("four segments", "Bearer " + good + ".x"),
                arguments("empty token", "Bearer "),
                arguments("oversized", "Bearer " + good + "a".repeat(9 * 1024)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forgedTokens")
    void aForgedBrokenOrUnfitTokenIs401AndNeverReachesTheService(String name, String authorization) throws Exception {
        int before = REACHED.get();

        RawHttp.Reply reply = RawHttp.send(server.port(), "GET /api/orders HTTP/1.1\r\nHost: x\r\nAuthorization: "
                + authorization + "\r\nConnection: close\r\n\r\n");

        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.header("WWW-Authenticate")).startsWith("Bearer realm=");
        assertThat(reply.body()).startsWith("{\"error\":\"unauthorized\"");
        String token = authorization.substring("Bearer ".length());
        if (token.length() > 20) {
            assertThat(reply.body()).doesNotContain(token);
        }
        assertThat(REACHED.get()).isEqualTo(before);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forgedTokens")
    void theSameTokensFailEvenAfterAValidOneWasCached(String name, String authorization) throws Exception {
        assertThat(RawHttp.send(server.port(), "GET /api/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + hs(t -> t) + "\r\nConnection: close\r\n\r\n").status()).isEqualTo(200);

        assertThat(RawHttp.send(server.port(), "GET /api/orders HTTP/1.1\r\nHost: x\r\nAuthorization: " + authorization
                + "\r\nConnection: close\r\n\r\n").status()).isEqualTo(401);
    }

    @org.junit.jupiter.api.Test
    void twoAuthorizationHeadersAre401() throws Exception {
        String token = hs(t -> t);
        RawHttp.Reply reply = RawHttp.send(server.port(), "GET /api/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + token + "\r\nAuthorization: Bearer " + token + "\r\nConnection: close\r\n\r\n");

        assertThat(reply.status()).isEqualTo(401);
    }
}
