package dev.portico.examples.mobile;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.interfaces.DecodedJWT;
import dev.portico.examples.Main;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class DemoTokensTest {

    @Test
    void aDemoTokenCarriesTheDemosIssuerAudienceSubjectAndExpiry() {
        String token = DemoTokens.issue(DemoConfig.DEFAULT_JWT_SECRET, "alice", Duration.ofHours(1));

        DecodedJWT jwt = JWT.require(Algorithm.HMAC256(DemoConfig.DEFAULT_JWT_SECRET.getBytes(StandardCharsets.UTF_8)))
                .withIssuer("https://auth.mobile.example").withAudience("mobile-app").build().verify(token);

        assertThat(jwt.getSubject()).isEqualTo("alice");
        assertThat(jwt.getAlgorithm()).isEqualTo("HS256");
        assertThat(jwt.getExpiresAtAsInstant()).isBetween(Instant.now().plusSeconds(3590), Instant.now().plusSeconds(3610));
    }

    @Test
    void theTokenCommandPrintsOneForTheUser() {
        PrintStream out = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            Main.main(new String[] {"token", "bob"});
        } finally {
            System.setOut(out);
        }

        String token = printed.toString(StandardCharsets.UTF_8).trim();
        assertThat(JWT.decode(token).getSubject()).isEqualTo("bob");
    }
}
