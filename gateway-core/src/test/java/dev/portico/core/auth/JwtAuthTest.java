package dev.portico.core.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTCreator;
import com.auth0.jwt.algorithms.Algorithm;
import com.google.gson.JsonObject;
import dev.portico.core.Gateway;
import dev.portico.core.Http;
import dev.portico.core.RecordingUpstreamClient;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** JwtAuth admits only tokens signed by a pinned key with the pinned algorithm, and refuses the rest with 401. */
class JwtAuthTest {

    private static final Upstream APP = Upstream.of("app", "http://10.0.0.7:8080");
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private static final byte[] OTHER_SECRET = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.UTF_8);
    private static final KeyPair RSA = keyPair("RSA", 2048);
    private static final KeyPair RSA_OTHER = keyPair("RSA", 2048);
    private static final KeyPair EC256 = ecKeyPair("secp256r1");
    private static final KeyPair EC384 = ecKeyPair("secp384r1");
    private static final KeyPair EC521 = ecKeyPair("secp521r1");

    private final RecordingUpstreamClient upstream = new RecordingUpstreamClient();
    private final AtomicReference<Principal> seen = new AtomicReference<>();

    // ---- helpers

    private static KeyPair keyPair(String algorithm, int size) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            generator.initialize(size);
            return generator.generateKeyPair();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static KeyPair ecKeyPair(String curve) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(curve));
            return generator.generateKeyPair();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static RSAPublicKey rsaPublic(KeyPair pair) {
        return (RSAPublicKey) pair.getPublic();
    }

    private static RSAPrivateKey rsaPrivate(KeyPair pair) {
        return (RSAPrivateKey) pair.getPrivate();
    }

    private static ECPublicKey ecPublic(KeyPair pair) {
        return (ECPublicKey) pair.getPublic();
    }

    private static ECPrivateKey ecPrivate(KeyPair pair) {
        return (ECPrivateKey) pair.getPrivate();
    }

    /** A token for alice that expires in five minutes, with more claims as the caller adds them. */
    private static JWTCreator.Builder token() {
        return JWT.create().withSubject("alice").withExpiresAt(Instant.now().plusSeconds(300));
    }

    private static String hs256(UnaryOperator<JWTCreator.Builder> claims) {
        return claims.apply(token()).sign(Algorithm.HMAC256(SECRET));
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String payload() {
        return b64("{\"sub\":\"alice\",\"exp\":" + (Instant.now().getEpochSecond() + 300) + "}");
    }

    private Gateway gateway(JwtAuth jwt) {
        return Gateway.builder()
                .route(Route.any("/api/**").filter(jwt).filter((request, chain) -> {
                    seen.set(Principal.of(chain.context()));
                    return chain.proceed(request);
                }).to(APP))
                .build();
    }

    private Response send(JwtAuth jwt, Request request) {
        return Http.send(gateway(jwt), request, upstream);
    }

    private Response bearer(JwtAuth jwt, String token) {
        return send(jwt, Http.request("GET", "/api/orders").header("Authorization", "Bearer " + token).build());
    }

    private static JwtAuth hs() {
        return JwtAuth.builder().hs256(SECRET).build();
    }

    /** Checks a 401 invalid_token answer that names the problem and echoes nothing of the request. */
    private JsonObject assertRefused(Response response, String messagePart, String... secrets) {
        JsonObject body = Http.assertError(response, 401, "unauthorized");
        assertThat(body.get("message").getAsString()).contains(messagePart);
        assertThat(response.header("WWW-Authenticate"))
                .startsWith("Bearer realm=\"api\", error=\"invalid_token\", error_description=\"")
                .contains(messagePart);
        for (String secret : secrets) {
            assertThat(Http.text(response)).doesNotContain(secret);
            assertThat(response.header("WWW-Authenticate")).doesNotContain(secret);
        }
        assertThatThrownBy(upstream::takeCall).as("a call upstream").isInstanceOf(AssertionError.class);
        assertThat(seen.get()).isNull();
        return body;
    }

    /** Signs a header and claims given as JSON text, whatever they hold. */
    private static String signed(String headerJson, String claimsJson) {
        String header = b64(headerJson);
        String claims = b64(claimsJson);
        byte[] signature = Algorithm.HMAC256(SECRET).sign(header.getBytes(StandardCharsets.US_ASCII),
                claims.getBytes(StandardCharsets.US_ASCII));
        return header + "." + claims + "." + b64(signature);
    }

    @Test
    void aSignatureHasOneSpelling() {
        String valid = hs256(t -> t);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        int last = alphabet.indexOf(valid.charAt(valid.length() - 1));
        assertThat(valid.length() - valid.lastIndexOf('.') - 1).as("43 chars: two bits unused").isEqualTo(43);

        assertThat(bearer(hs(), valid).status()).isEqualTo(200);
        upstream.takeCall();
        seen.set(null);
        for (int unused = 1; unused <= 3; unused++) { // the same 32 bytes to a lenient decoder
            String respelt = valid.substring(0, valid.length() - 1) + alphabet.charAt(last ^ unused);
            assertRefused(bearer(hs(), respelt), "base64url");
        }
    }

    @Test
    void refusesAHeaderOrClaimsThatNameAMemberTwice() {
        long exp = Instant.now().getEpochSecond() + 300;
        String hs256 = "{\"alg\":\"HS256\"}";
        assertThat(bearer(hs(), signed(hs256, "{\"sub\":\"alice\",\"exp\":" + exp + "}")).status())
                .as("signed by hand, once each").isEqualTo(200);
        upstream.takeCall();
        seen.set(null);

        assertRefused(bearer(hs(), signed(hs256, "{\"sub\":\"alice\",\"exp\":" + exp + ",\"sub\":\"bob\"}")),
                "member twice");
        assertRefused(bearer(hs(), signed("{\"alg\":\"HS256\",\"alg\":\"none\"}", "{\"sub\":\"alice\",\"exp\":"
                + exp + "}")), "member twice");
        assertRefused(bearer(hs(), signed(hs256, "{\"sub\":\"alice\",\"exp\":" + exp
                + ",\"realm\":[{\"roles\":[\"user\"],\"roles\":[\"admin\"]}]}")), "member twice");
    }

    /** A key set that counts lookups, to prove a token was refused before any key was chosen. */
    private static final class CountingKeys implements JwtKeys {
        final AtomicInteger lookups = new AtomicInteger();
        final Algorithm algorithm;

        CountingKeys(Algorithm algorithm) {
            this.algorithm = algorithm;
        }

        @Override
        public Algorithm algorithm(String kid) {
            lookups.incrementAndGet();
            return kid == null ? algorithm : null;
        }
    }

    // ---- the cache of verified tokens

    @Test
    void aTokenSentAgainIsNotVerifiedAgain() {
        CountingKeys keys = new CountingKeys(Algorithm.HMAC256(SECRET));
        JwtAuth jwt = JwtAuth.builder().keys(keys).build();
        String token = hs256(t -> t);

        assertThat(bearer(jwt, token).status()).isEqualTo(200);
        assertThat(bearer(jwt, token).status()).isEqualTo(200);

        assertThat(keys.lookups).as("one verification for two requests").hasValue(1);
        assertThat(seen.get().subject()).isEqualTo("alice");
    }

    @Test
    void aTokenWithACachedTokensSignatureButOtherClaimsIsVerifiedAndRefused() {
        CountingKeys keys = new CountingKeys(Algorithm.HMAC256(SECRET));
        JwtAuth jwt = JwtAuth.builder().keys(keys).build();
        String token = hs256(t -> t);
        String[] parts = token.split("\\.");
        String forged = parts[0] + "." + b64("{\"sub\":\"mallory\",\"exp\":" + (Instant.now().getEpochSecond() + 300)
                + "}") + "." + parts[2]; // the cache hashes a token's signature: this one shares alice's whole
        assertThat(bearer(jwt, token).status()).isEqualTo(200);
        upstream.takeCall();
        seen.set(null);

        assertRefused(bearer(jwt, forged), "signature");
        assertThat(keys.lookups).as("verified, not taken from the cache").hasValue(2);
    }

    @Test
    void withTheDefaultsTheRequestIsPassedOnAsItIsNotCopied() {
        AtomicReference<Request> received = new AtomicReference<>();
        AtomicReference<Request> passed = new AtomicReference<>();
        JwtAuth jwt = hs();

        Response response = Http.send(Gateway.builder().route(Route.any("/api/**").filter((request, chain) -> {
            received.set(request);
            return jwt.filter(request, chain);
        }).filter((request, chain) -> {
            passed.set(request);
            return chain.proceed(request);
        }).to(APP)).build(), Http.request("GET", "/api/orders").header("Authorization", "Bearer " + hs256(t -> t))
                .build(), upstream);

        assertThat(response.status()).isEqualTo(200);
        assertThat(passed.get()).isNotNull().isSameAs(received.get());
    }

    @Test
    void withoutACacheEveryRequestIsVerified() {
        CountingKeys keys = new CountingKeys(Algorithm.HMAC256(SECRET));
        JwtAuth jwt = JwtAuth.builder().keys(keys).cacheSize(0).build();
        String token = hs256(t -> t);

        bearer(jwt, token);
        bearer(jwt, token);

        assertThat(keys.lookups).hasValue(2);
    }

    @Test
    void aCachedTokenIsRefusedOnceItExpires() throws InterruptedException {
        JwtAuth jwt = JwtAuth.builder().hs256(SECRET).clockSkew(Duration.ZERO).build();
        String token = hs256(t -> t.withExpiresAt(Instant.now().plusMillis(1500)));
        assertThat(bearer(jwt, token).status()).isEqualTo(200);
        upstream.takeCall();
        seen.set(null);

        Thread.sleep(2100);

        assertRefused(bearer(jwt, token), "expired");
    }

    // ---- accepting

    @Test
    void acceptsValidHs256TokenAndPutsThePrincipalInTheContext() {
        JwtAuth jwt = JwtAuth.builder().hs256(SECRET).planClaim("plan").build();
        String token = hs256(t -> t.withClaim("scope", "orders:read orders:write").withClaim("plan", "gold")
                .withClaim("realm_access", Map.of("roles", List.of("admin", "user"))));

        Response response = bearer(jwt, token);

        assertThat(response.status()).isEqualTo(200);
        Principal principal = seen.get();
        assertThat(principal.subject()).isEqualTo("alice");
        assertThat(principal.scheme()).isEqualTo("jwt");
        assertThat(principal.scopes()).containsExactlyInAnyOrder("orders:read", "orders:write");
        assertThat(principal.plan()).isEqualTo("gold");
        assertThat(principal.claims()).containsKeys("sub", "exp", "scope", "plan", "realm_access");
        assertThat(principal.claimStrings("realm_access.roles")).containsExactly("admin", "user");
        assertThatThrownBy(() -> principal.claimStrings("realm_access.roles").add("x"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(upstream.takeRequest().header("Authorization")).isEqualTo("Bearer " + token);
    }

    @Test
    void readsScopesFromAnScpArray() {
        bearer(hs(), hs256(t -> t.withArrayClaim("scp", new String[] {"a", "b"})));

        assertThat(seen.get().scopes()).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void acceptsEverySupportedAlgorithmWithItsPinnedKey() {
        byte[] secret48 = new byte[48];
        byte[] secret64 = new byte[64];
        secret48[0] = 1;
        secret64[0] = 2;
        JwtAuth jwt = JwtAuth.builder()
                .hs256("hs256", SECRET).hs384("hs384", secret48).hs512("hs512", secret64)
                .rs256("rs256", rsaPublic(RSA)).rs384("rs384", rsaPublic(RSA)).rs512("rs512", rsaPublic(RSA))
                .ps256("ps256", rsaPublic(RSA)).ps384("ps384", rsaPublic(RSA)).ps512("ps512", rsaPublic(RSA))
                .es256("es256", ecPublic(EC256)).es384("es384", ecPublic(EC384)).es512("es512", ecPublic(EC521))
                .build();
        Map<String, Algorithm> signers = Map.ofEntries(
                Map.entry("hs256", Algorithm.HMAC256(SECRET)),
                Map.entry("hs384", Algorithm.HMAC384(secret48)),
                Map.entry("hs512", Algorithm.HMAC512(secret64)),
                Map.entry("rs256", Algorithm.RSA256(rsaPublic(RSA), rsaPrivate(RSA))),
                Map.entry("rs384", Algorithm.RSA384(rsaPublic(RSA), rsaPrivate(RSA))),
                Map.entry("rs512", Algorithm.RSA512(rsaPublic(RSA), rsaPrivate(RSA))),
                Map.entry("ps256", Algorithm.RSA256PSS(rsaPublic(RSA), rsaPrivate(RSA))),
                Map.entry("ps384", Algorithm.RSA384PSS(rsaPublic(RSA), rsaPrivate(RSA))),
                Map.entry("ps512", Algorithm.RSA512PSS(rsaPublic(RSA), rsaPrivate(RSA))),
                Map.entry("es256", Algorithm.ECDSA256(ecPublic(EC256), ecPrivate(EC256))),
                Map.entry("es384", Algorithm.ECDSA384(ecPublic(EC384), ecPrivate(EC384))),
                Map.entry("es512", Algorithm.ECDSA512(ecPublic(EC521), ecPrivate(EC521))));

        signers.forEach((kid, signer) -> {
            Response response = bearer(jwt, token().withKeyId(kid).sign(signer));
            assertThat(response.status()).as(kid).isEqualTo(200);
        });
        assertThat(upstream.callCount()).isEqualTo(12);
    }

    @Test
    void bearerSchemeIsCaseInsensitive() {
        Response response = send(hs(), Http.request("GET", "/api/orders")
                .header("Authorization", "bEaReR   " + hs256(t -> t)).build());

        assertThat(response.status()).isEqualTo(200);
    }

    @Test
    void usesAnExternalKeySet() {
        CountingKeys keys = new CountingKeys(Algorithm.HMAC256(SECRET));

        assertThat(bearer(JwtAuth.builder().keys(keys).build(), hs256(t -> t)).status()).isEqualTo(200);
        assertThat(keys.lookups).hasValue(1);
    }

    // ---- missing token

    @Test
    void missingTokenGets401WithAPlainChallenge() {
        Response response = send(hs(), Http.get("/api/orders"));

        Http.assertError(response, 401, "unauthorized");
        assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"api\"");
        assertThat(upstream.callCount()).isZero();
    }

    @Test
    void otherAuthorizationSchemesCountAsNoToken() {
        Response response = send(JwtAuth.builder().hs256(SECRET).realm("orders").build(),
                Http.request("GET", "/api/orders").header("Authorization", "Basic YWxpY2U6c2VjcmV0").build());

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"orders\"");
    }

    @Test
    void optionalLetsRequestsWithoutATokenThroughButNotBadTokens() {
        JwtAuth jwt = JwtAuth.builder().hs256(SECRET).optional(true).build();

        assertThat(send(jwt, Http.get("/api/orders")).status()).isEqualTo(200);
        assertThat(seen.get()).isNull();
        upstream.takeRequest();
        Response bad = bearer(jwt, hs256(t -> t.withExpiresAt(Instant.now().minusSeconds(600))));
        assertRefused(bad, "expired");
    }

    // ---- refused before any cryptography

    @ParameterizedTest
    @ValueSource(strings = {"none", "None", "NONE", "nOnE", " none"})
    void refusesUnsignedTokensInAnySpelling(String alg) {
        String header = b64("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}");

        assertRefused(bearer(hs(), header + "." + payload() + "."), "");
        assertRefused(bearer(hs(), header + "." + payload() + "." + b64("x".getBytes(StandardCharsets.UTF_8))), "");
    }

    @Test
    void refusesUnsignedTokenEvenWhenTheKeySetOffersNone() {
        JwtAuth jwt = JwtAuth.builder().keys(kid -> Algorithm.none()).build();
        String header = b64("{\"alg\":\"none\"}");

        assertRefused(bearer(jwt, header + "." + payload() + "." + b64("sig")), "alg none");
    }

    @Test
    void refusesHs256TokenSignedWithTheRsaPublicKeyBytes() {
        JwtAuth jwt = JwtAuth.builder().rs256(rsaPublic(RSA)).build();
        String forged = token().sign(Algorithm.HMAC256(RSA.getPublic().getEncoded()));

        assertRefused(bearer(jwt, forged), "algorithm does not match");
    }

    @Test
    void refusesATokenWhoseAlgorithmDiffersFromItsKeys() {
        JwtAuth jwt = JwtAuth.builder().hs256(SECRET).build();

        assertRefused(bearer(jwt, token().sign(Algorithm.HMAC512(new byte[64]))), "algorithm does not match");
        assertRefused(bearer(jwt, token().sign(Algorithm.RSA256(rsaPublic(RSA), rsaPrivate(RSA)))),
                "algorithm does not match");
    }

    @ParameterizedTest
    @ValueSource(strings = {"HS999", "RS1", "hs256", "ES256K", "EdDSA", ""})
    void refusesUnknownAlgorithms(String alg) {
        String token = b64("{\"alg\":\"" + alg + "\"}") + "." + payload() + "." + b64("signature");

        assertRefused(bearer(hs(), token), "");
    }

    @Test
    void selectsKeysByKidOnlyAmongConfiguredKeys() {
        JwtAuth jwt = JwtAuth.builder().hs256("k1", SECRET).hs256("k2", OTHER_SECRET).build();

        assertThat(bearer(jwt, token().withKeyId("k2").sign(Algorithm.HMAC256(OTHER_SECRET))).status())
                .isEqualTo(200);
        upstream.takeRequest();
        seen.set(null);
        assertRefused(bearer(jwt, token().withKeyId("k1").sign(Algorithm.HMAC256(OTHER_SECRET))),
                "signature is not valid");
        assertRefused(bearer(jwt, token().withKeyId("k3").sign(Algorithm.HMAC256(SECRET))), "key is not known");
        assertRefused(bearer(jwt, token().sign(Algorithm.HMAC256(SECRET))), "key is not known");
    }

    @Test
    void aKeyWithoutKidIsNotFoundByATokenThatNamesOne() {
        assertRefused(bearer(hs(), token().withKeyId("k1").sign(Algorithm.HMAC256(SECRET))), "key is not known");
    }

    @Test
    void neverUsesKeysOrKeyLocationsTheTokenCarries() {
        JwtAuth jwt = JwtAuth.builder().rs256("k1", rsaPublic(RSA)).build();
        RSAPublicKey attacker = rsaPublic(RSA_OTHER);
        Map<String, Object> jwk = Map.of("kty", "RSA", "kid", "k1",
                "n", b64(attacker.getModulus().toByteArray()), "e", b64(attacker.getPublicExponent().toByteArray()));
        String forged = token().withKeyId("k1").withHeader(Map.of("jwk", jwk, "jku", "http://127.0.0.1:1/jwks",
                "x5u", "http://127.0.0.1:1/x5")).sign(Algorithm.RSA256(attacker, rsaPrivate(RSA_OTHER)));

        assertRefused(bearer(jwt, forged), "signature is not valid");
    }

    @Test
    void refusesCriticalHeaderParameters() {
        String token = token().withHeader(Map.of("crit", List.of("exp"))).sign(Algorithm.HMAC256(SECRET));

        assertRefused(bearer(hs(), token), "critical");
    }

    @Test
    void refusesMalformedRequestsBeforeAnyKeyIsChosen() {
        CountingKeys keys = new CountingKeys(Algorithm.HMAC256(SECRET));
        JwtAuth jwt = JwtAuth.builder().keys(keys).build();
        String valid = hs256(t -> t);
        String header = b64("{\"alg\":\"HS256\"}");
        String signature = valid.substring(valid.lastIndexOf('.') + 1);

        assertRefused(send(jwt, Http.request("GET", "/api/orders").addHeader("Authorization", "Bearer " + valid)
                .addHeader("Authorization", "Bearer " + valid).build()), "more than one Authorization", valid);
        assertRefused(send(jwt, Http.request("GET", "/api/orders").header("Authorization", "Bearer").build()),
                "empty");
        assertRefused(send(jwt, Http.request("GET", "/api/orders").header("Authorization", "Bearer   ").build()),
                "empty");
        String huge = header + "." + b64("{\"sub\":\"" + "a".repeat(9000) + "\"}") + "." + signature;
        assertRefused(bearer(jwt, huge), "longer than 8192");
        assertRefused(bearer(jwt, "eyJ!bGc." + payload() + "." + signature), "base64url", "eyJ!bGc");
        assertRefused(bearer(jwt, header + "=." + payload() + "." + signature), "base64url");
        assertRefused(bearer(jwt, "a" + header + "." + payload() + "." + signature), "base64url");
        assertRefused(bearer(jwt, header + " ." + payload() + "." + signature), "base64url");
        assertRefused(bearer(jwt, b64("{not json") + "." + payload() + "." + signature), "cannot be read");
        assertRefused(bearer(jwt, header + "." + b64("[1,2]") + "." + signature), "cannot be read");
        assertRefused(bearer(jwt, b64("\"HS256\"") + "." + payload() + "." + signature), "cannot be read");
        assertRefused(bearer(jwt, header + "." + b64("{\"exp\":\"tomorrow\"}") + "." + signature), "cannot be read");
        for (String shape : List.of(header, header + "." + payload(), header + "." + payload() + "." + signature + ".x",
                header + "." + payload() + "." + signature + ".x.y", "..", "...", header + ".." + signature,
                "." + payload() + "." + signature)) {
            assertRefused(bearer(jwt, shape), "three dot-separated parts");
        }
        assertThat(keys.lookups).hasValue(0);
    }

    // ---- claims

    @Test
    void refusesExpiredAndNotYetValidTokens() {
        assertRefused(bearer(hs(), hs256(t -> t.withExpiresAt(Instant.now().minusSeconds(120)))), "expired");
        assertRefused(bearer(hs(), hs256(t -> t.withNotBefore(Instant.now().plusSeconds(120)))), "not valid yet");
        assertRefused(bearer(hs(), hs256(t -> t.withIssuedAt(Instant.now().plusSeconds(120)))), "in the future");
    }

    @Test
    void toleratesTheConfiguredClockSkew() {
        String recentlyExpired = hs256(t -> t.withExpiresAt(Instant.now().minusSeconds(10)));

        assertThat(bearer(hs(), recentlyExpired).status()).isEqualTo(200);
        upstream.takeRequest();
        seen.set(null);
        assertRefused(bearer(JwtAuth.builder().hs256(SECRET).clockSkew(Duration.ZERO).build(), recentlyExpired),
                "expired");
    }

    @Test
    void requiresAnExpiryUnlessRelaxed() {
        String forever = JWT.create().withSubject("alice").sign(Algorithm.HMAC256(SECRET));

        assertRefused(bearer(hs(), forever), "no expiry");
        assertThat(bearer(JwtAuth.builder().hs256(SECRET).requireExpiry(false).build(), forever).status())
                .isEqualTo(200);
    }

    @Test
    void checksIssuerAgainstSeveralAccepted() {
        JwtAuth jwt = JwtAuth.builder().hs256(SECRET).issuer("https://a.example", "https://b.example").build();

        assertThat(bearer(jwt, hs256(t -> t.withIssuer("https://b.example"))).status()).isEqualTo(200);
        upstream.takeRequest();
        seen.set(null);
        assertRefused(bearer(jwt, hs256(t -> t.withIssuer("https://evil.example"))), "issuer", "evil");
        assertRefused(bearer(jwt, hs256(t -> t)), "issuer");
    }

    @Test
    void acceptsAnyConfiguredAudienceAsStringOrArray() {
        JwtAuth jwt = JwtAuth.builder().hs256(SECRET).audience("orders", "billing").build();

        assertThat(bearer(jwt, hs256(t -> t.withAudience("billing"))).status()).isEqualTo(200);
        assertThat(bearer(jwt, hs256(t -> t.withAudience("other", "orders"))).status()).isEqualTo(200);
        upstream.takeRequest();
        upstream.takeRequest();
        seen.set(null);
        assertRefused(bearer(jwt, hs256(t -> t.withAudience("other"))), "audience", "other");
        assertRefused(bearer(jwt, hs256(t -> t)), "audience");
    }

    @Test
    void checksRequiredClaimsAndPredicates() {
        JwtAuth jwt = JwtAuth.builder().hs256(SECRET)
                .requireClaim("tenant")
                .claim("email_verified", Boolean.TRUE::equals)
                .claim("age", value -> ((Number) value).intValue() >= 18)
                .require(principal -> principal.subject().startsWith("a"), "a subject starting with a")
                .build();
        UnaryOperator<JWTCreator.Builder> good = t -> t.withClaim("tenant", "acme").withClaim("email_verified", true)
                .withClaim("age", 30);

        assertThat(bearer(jwt, hs256(good)).status()).isEqualTo(200);
        upstream.takeRequest();
        seen.set(null);
        assertRefused(bearer(jwt, hs256(t -> t.withClaim("email_verified", true).withClaim("age", 30))),
                "lacks the claim tenant");
        assertRefused(bearer(jwt, hs256(t -> good.apply(t).withClaim("email_verified", false))),
                "claim email_verified is not accepted");
        assertRefused(bearer(jwt, hs256(t -> good.apply(t).withClaim("age", "thirty"))),
                "claim age is not accepted", "thirty");
        assertRefused(bearer(jwt, hs256(t -> good.apply(t).withSubject("mallory"))),
                "does not satisfy: a subject starting with a", "mallory");
    }

    @Test
    void aDottedPathFindsTheNestedClaimBeforeATopLevelNameHoldingTheDot() {
        JwtAuth jwt = JwtAuth.builder().hs256(SECRET).build();
        Map<String, Object> realm = Map.of("roles", List.of("user"));

        assertThat(bearer(jwt, hs256(t -> t.withClaim("realm_access", realm)
                .withClaim("realm_access.roles", List.of("admin")))).status()).isEqualTo(200);
        assertThat(seen.get().claimStrings("realm_access.roles")).containsExactly("user");
        assertThat(bearer(jwt, hs256(t -> t.withClaim("realm_access.roles", List.of("admin")))).status())
                .isEqualTo(200);
        assertThat(seen.get().claimStrings("realm_access.roles")).as("nothing nested: the dotted name")
                .containsExactly("admin");
    }

    @Test
    void refusesATokenWithoutASubject() {
        assertRefused(bearer(hs(), JWT.create().withExpiresAt(Instant.now().plusSeconds(60))
                .sign(Algorithm.HMAC256(SECRET))), "no subject (sub)");
        assertThat(bearer(JwtAuth.builder().hs256(SECRET).subjectClaim("uid").build(),
                hs256(t -> t.withClaim("uid", "u-1"))).status()).isEqualTo(200);
        assertThat(seen.get().subject()).isEqualTo("u-1");
    }

    // ---- token sources

    @Test
    void readsTheTokenFromAConfiguredHeaderCookieOrQuery() {
        JwtAuth jwt = JwtAuth.builder().hs256(SECRET).tokenHeader("X-Token").tokenCookie("session")
                .tokenQuery("access_token").build();
        String token = hs256(t -> t);

        assertThat(send(jwt, Http.request("GET", "/api/a").header("X-Token", token).build()).status())
                .isEqualTo(200);
        assertThat(send(jwt, Http.request("GET", "/api/a").header("Cookie", "theme=dark; session=" + token)
                .build()).status()).isEqualTo(200);
        assertThat(send(jwt, Http.request("GET", "/api/a?access_token=" + token).build()).status())
                .isEqualTo(200);
        assertThat(upstream.callCount()).isEqualTo(3);
    }

    @Test
    void refusesARequestThatCarriesTwoTokens() {
        JwtAuth jwt = JwtAuth.builder().hs256(SECRET).tokenCookie("session").tokenQuery("access_token").build();
        String token = hs256(t -> t);

        assertRefused(send(jwt, Http.request("GET", "/api/a").header("Authorization", "Bearer " + token)
                .header("Cookie", "session=" + token).build()), "more than one token", token);
        assertRefused(send(jwt, Http.request("GET", "/api/a?access_token=" + token + "&access_token=" + token)
                .build()), "more than one token");
        assertRefused(send(jwt, Http.request("GET", "/api/a").addHeader("Cookie", "session=" + token)
                .addHeader("Cookie", "session=" + token).build()), "more than one token");
    }

    // ---- what goes upstream

    @Test
    void setsClaimHeadersAndDeclaresThemAsIdentityHeaders() {
        JwtAuth jwt = JwtAuth.builder().hs256(SECRET).claimHeader("sub", "X-User-Id")
                .claimHeader("realm_access.roles", "X-User-Roles").claimHeader("tenant", "X-Tenant").build();
        Gateway gateway = gateway(jwt);
        String token = hs256(t -> t.withClaim("realm_access", Map.of("roles", List.of("admin", "user"))));

        Http.send(gateway, Http.request("GET", "/api/a").header("Authorization", "Bearer " + token)
                .addHeader("x-user-id", "mallory").addHeader("X-USER-ID", "root")
                .addHeader("X-Tenant", "evil").build(), upstream);

        assertThat(jwt.identityHeaders()).containsExactlyInAnyOrder("X-User-Id", "X-User-Roles", "X-Tenant");
        assertThat(gateway.identityHeaders()).contains("X-User-Id", "X-User-Roles", "X-Tenant");
        Request forwarded = upstream.takeRequest();
        assertThat(forwarded.headers().getAll("X-User-Id")).containsExactly("alice");
        assertThat(forwarded.headers().getAll("X-User-Roles")).containsExactly("admin,user");
        assertThat(forwarded.headers().getAll("X-Tenant")).isEmpty();
    }

    @Test
    void refusesAClaimThatCannotBeAHeaderValue() {
        JwtAuth jwt = JwtAuth.builder().hs256(SECRET).claimHeader("name", "X-User-Name").build();

        assertRefused(bearer(jwt, hs256(t -> t.withClaim("name", "a\r\nX-Admin: true"))), "cannot be sent as a header",
                "X-Admin");
    }

    @Test
    void dropsTheAuthorizationHeaderWhenAsked() {
        JwtAuth jwt = JwtAuth.builder().hs256(SECRET).forwardAuthorization(false).build();

        assertThat(bearer(jwt, hs256(t -> t)).status()).isEqualTo(200);
        assertThat(upstream.takeRequest().headers().contains("Authorization")).isFalse();
    }

    // ---- configuration

    @Test
    void validatesTheConfigurationAtBuild() {
        assertThatThrownBy(() -> JwtAuth.builder().build()).hasMessageContaining("keys: none (expected:");
        assertThatThrownBy(() -> JwtAuth.builder().hs256(new byte[16]).build())
                .hasMessageContaining("secret: 16 bytes (expected: >= 32)");
        assertThatThrownBy(() -> JwtAuth.builder().hs256("k", SECRET).hs256("k", OTHER_SECRET).build())
                .hasMessageContaining("kid: k (expected: each key id once)");
        assertThatThrownBy(() -> JwtAuth.builder().hs256(SECRET).rs256(rsaPublic(RSA)).build())
                .hasMessageContaining("keys: 2 keys without a kid (expected: at most one)");
        assertThatThrownBy(() -> JwtAuth.builder().hs256(SECRET).keys(kid -> null).build())
                .hasMessageContaining("keys: both pinned keys and a key set");
        assertThatThrownBy(() -> JwtAuth.builder().hs256(SECRET).clockSkew(Duration.ofSeconds(-1)).build())
                .hasMessageContaining("clockSkew: PT-1S (expected: 0 to PT10M)");
        assertThatThrownBy(() -> JwtAuth.builder().hs256(SECRET).claimHeader("sub", "X User").build())
                .hasMessageContaining("header: X User (expected: a header name)");
        assertThatThrownBy(() -> JwtAuth.builder().hs256(SECRET).claimHeader("sub", "Authorization").build())
                .hasMessageContaining("header: Authorization");
        assertThatThrownBy(() -> JwtAuth.builder().hs256(SECRET).claimHeader("sub", "X-A").claimHeader("id", "x-a")
                .build()).hasMessageContaining("header: x-a (expected: one claim per header)");
        assertThatThrownBy(() -> JwtAuth.builder().hs256(SECRET).realm("a\"b").build())
                .hasMessageContaining("realm: a\"b (expected:");
        assertThatThrownBy(() -> JwtAuth.builder().hs256(SECRET).tokenHeader("Authorization").build())
                .hasMessageContaining("tokenHeader: Authorization");
    }
}
