package dev.portico.examples.mobile;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/** The demo's tokens: HS256 JWTs with the demo's issuer and audience, as its gateway accepts them. */
public final class DemoTokens {

    /** The issuer the demo gateway requires. */
    public static final String ISSUER = "https://auth.mobile.example";
    /** The audience the demo gateway requires. */
    public static final String AUDIENCE = "mobile-app";

    private DemoTokens() {
    }

    /** Returns a token for {@code user}, signed with the UTF-8 bytes of {@code secret}, valid for {@code validity}. */
    public static String issue(String secret, String user, Duration validity) {
        Instant now = Instant.now();
        return JWT.create()
                .withIssuer(ISSUER)
                .withAudience(AUDIENCE)
                .withSubject(user)
                .withIssuedAt(now)
                .withExpiresAt(now.plus(validity))
                .sign(Algorithm.HMAC256(secret.getBytes(StandardCharsets.UTF_8)));
    }
}
