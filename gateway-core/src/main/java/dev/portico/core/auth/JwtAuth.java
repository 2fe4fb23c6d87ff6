package dev.portico.core.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;
import dev.portico.core.AttributeKey;
import dev.portico.core.Chain;
import dev.portico.core.Filter;
import dev.portico.core.GatewayException;
import dev.portico.core.Headers;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.TimeSource;
import dev.portico.core.internal.http.FieldValues;
import dev.portico.core.internal.json.StrictJson;

import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A filter that admits a request only with a valid JWT, verified against pinned keys, and puts the caller's
 * {@link Principal} under {@link Principal#KEY}; any other request gets 401 with a {@code WWW-Authenticate: Bearer}
 * challenge.
 *
 * <pre>{@code
 * Filter jwt = JwtAuth.builder().rs256("2024-06", publicKey).issuer("https://id.example.com")
 *         .audience("orders").claimHeader("sub", "X-User-Id").build();
 * }</pre>
 */
public final class JwtAuth implements Filter, IdentityHeaders {

    /** The longest token accepted, in characters; longer ones are refused before any decoding. */
    static final int MAX_TOKEN_LENGTH = 8192;

    private static final List<String> SCOPE_CLAIMS = List.of("scope", "scp");

    /** The realm of the JWT filter that ran for a request, for {@link Authorize}'s challenges. */
    static final AttributeKey<String> REALM = AttributeKey.of("portico.auth.realm", String.class);

    private final JwtKeys keys;
    private final Set<String> issuers;
    private final Set<String> audiences;
    private final long skewSeconds;
    private final boolean requireExpiry;
    private final List<String> requiredClaims;
    private final List<ClaimCheck> claimChecks;
    private final List<PrincipalCheck> principalChecks;
    private final String subjectClaim;
    private final String planClaim;
    private final List<String> tokenHeaders;
    private final List<String> tokenCookies;
    private final List<String> tokenQueries;
    private final Map<String, String> claimHeaders;   // header name -> claim path
    private final Set<String> identityHeaders;
    private final boolean forwardAuthorization;
    private final String realm;
    private final String challenge;
    private final boolean optional;
    private final VerifiedTokens verified;

    private JwtAuth(Builder b, JwtKeys keys) {
        this.keys = keys;
        this.issuers = Set.copyOf(b.issuers);
        this.audiences = Set.copyOf(b.audiences);
        this.skewSeconds = b.clockSkew.getSeconds();
        this.requireExpiry = b.requireExpiry;
        this.requiredClaims = List.copyOf(b.requiredClaims);
        this.claimChecks = List.copyOf(b.claimChecks);
        this.principalChecks = List.copyOf(b.principalChecks);
        this.subjectClaim = b.subjectClaim;
        this.planClaim = b.planClaim;
        this.tokenHeaders = List.copyOf(b.tokenHeaders);
        this.tokenCookies = List.copyOf(b.tokenCookies);
        this.tokenQueries = List.copyOf(b.tokenQueries);
        this.claimHeaders = Collections.unmodifiableMap(new LinkedHashMap<>(b.claimHeaders));
        Set<String> names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        names.addAll(b.claimHeaders.keySet());
        this.identityHeaders = Collections.unmodifiableSet(names);
        this.forwardAuthorization = b.forwardAuthorization;
        this.realm = b.realm;
        this.challenge = "Bearer realm=\"" + b.realm + '"';
        this.optional = b.optional;
        this.verified = b.cacheSize > 0 ? new VerifiedTokens(b.cacheSize) : null;
    }

    /** Returns a builder; name at least one key ({@code hs256}, {@code rs256}, {@code es256}, ... or {@code keys}). */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Set<String> identityHeaders() {
        return identityHeaders;
    }

    @Override
    public CompletionStage<Response> filter(Request request, Chain chain) {
        chain.context().put(REALM, realm);
        Principal principal;
        try {
            String token = token(request);
            if (token == null) {
                if (optional) {
                    return chain.proceed(request);
                }
                return CompletableFuture.failedFuture(GatewayException.unauthorized(challenge,
                        "a bearer token is required"));
            }
            principal = verified(token, chain.context().time());
        } catch (Invalid e) {
            return CompletableFuture.failedFuture(GatewayException.unauthorized(challenge
                    + ", error=\"invalid_token\", error_description=\"" + e.getMessage() + '"', e.getMessage()));
        }
        chain.context().put(Principal.KEY, principal);
        if (forwardAuthorization && claimHeaders.isEmpty()) {
            return chain.proceed(request); // the defaults: nothing to change, so no copy
        }
        Request.Builder forwarded = request.toBuilder();
        if (!forwardAuthorization) {
            forwarded.removeHeader("Authorization");
            tokenHeaders.forEach(forwarded::removeHeader);
        }
        claimHeaders.forEach((header, claim) -> {
            String value = headerValue(principal.claim(claim));
            if (value != null) {
                forwarded.header(header, value);
            }
        });
        return chain.proceed(forwarded.build());
    }

    /** Finds the one token a request carries, or {@code null} when it carries none. */
    private String token(Request request) {
        String token = null;
        int found = 0;
        Headers headers = request.headers();
        String authorization = null;
        for (int i = 0; i < headers.size(); i++) {
            if (headers.name(i).equalsIgnoreCase("Authorization")) {
                if (authorization != null) {
                    throw new Invalid("the request has more than one Authorization header");
                }
                authorization = headers.value(i);
            }
        }
        if (authorization != null) {
            String value = authorization.strip();
            int space = indexOfWhitespace(value);
            String scheme = space < 0 ? value : value.substring(0, space);
            if (scheme.equalsIgnoreCase("Bearer")) {
                token = space < 0 ? "" : value.substring(space).strip();
                found++;
            }
        }
        for (String name : tokenHeaders) {
            List<String> values = request.headers().getAll(name);
            found += values.size();
            if (!values.isEmpty()) {
                token = values.get(0).strip();
            }
        }
        for (String name : tokenQueries) {
            List<String> values = request.queryParams(name);
            found += values.size();
            if (!values.isEmpty()) {
                token = values.get(0);
            }
        }
        if (!tokenCookies.isEmpty()) {
            for (String header : request.headers().getAll("Cookie")) {
                for (String pair : header.split(";")) {
                    int eq = pair.indexOf('=');
                    if (eq > 0 && tokenCookies.contains(pair.substring(0, eq).strip())) {
                        token = pair.substring(eq + 1).strip();
                        found++;
                    }
                }
            }
        }
        if (found > 1) {
            throw new Invalid("the request carries more than one token");
        }
        return token;
    }

    private static int indexOfWhitespace(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) == ' ' || value.charAt(i) == '\t') {
                return i;
            }
        }
        return -1;
    }

    /** Checks a token's shape, then its key and algorithm, then its signature, then its claims. */
    /** Returns the principal of a token, from the cache of verified tokens when it was verified recently. */
    private Principal verified(String token, TimeSource time) {
        if (verified == null) {
            return verify(token, time);
        }
        long now = time.nanoTime();
        Principal principal = verified.get(token, now, time);
        if (principal == null) {
            principal = verify(token, time);
            verified.put(token, principal, time, now, time.instant().toEpochMilli(),
                    principal.claim("exp") instanceof Number exp ? exp.longValue() : -1);
        }
        return principal;
    }

    private Principal verify(String token, TimeSource time) {
        checkShape(token);
        DecodedJWT jwt;
        try {
            jwt = JWT.decode(token);
        } catch (JWTDecodeException | IllegalArgumentException e) {
            throw new Invalid("the token's header or claims cannot be read");
        }
        Base64.Decoder base64 = Base64.getUrlDecoder();
        if (!StrictJson.hasUniqueNames(base64.decode(jwt.getHeader()))
                || !StrictJson.hasUniqueNames(base64.decode(jwt.getPayload()))) {
            throw new Invalid("the token's header or claims name a member twice");
        }
        String alg = jwt.getAlgorithm();
        if (alg == null) {
            throw new Invalid("the token names no algorithm");
        }
        if (alg.strip().equalsIgnoreCase("none")) {
            throw new Invalid("the token is not signed (alg none)");
        }
        if (!jwt.getHeaderClaim("crit").isMissing()) {
            throw new Invalid("the token has critical header parameters that are not supported");
        }
        Algorithm algorithm = keys.algorithm(jwt.getKeyId());
        if (algorithm == null) {
            throw new Invalid("the token's key is not known");
        }
        if (!alg.equals(algorithm.getName()) || "none".equalsIgnoreCase(algorithm.getName())) {
            throw new Invalid("the token's algorithm does not match its key");
        }
        try {
            algorithm.verify(jwt);
        } catch (SignatureVerificationException e) {
            throw new Invalid("the token's signature is not valid");
        }
        checkTimes(jwt, time);
        if (!issuers.isEmpty() && (jwt.getIssuer() == null || !issuers.contains(jwt.getIssuer()))) {
            throw new Invalid("the token's issuer is not accepted");
        }
        if (!audiences.isEmpty() && (jwt.getAudience() == null
                || jwt.getAudience().stream().noneMatch(audiences::contains))) {
            throw new Invalid("the token's audience is not accepted");
        }
        Map<String, Object> claims = new LinkedHashMap<>();
        try {
            jwt.getClaims().forEach((name, claim) -> claims.put(name, plain(claim.as(Object.class))));
        } catch (JWTDecodeException e) {
            throw new Invalid("the token's header or claims cannot be read");
        }
        for (String name : requiredClaims) {
            if (Principal.claimAt(claims, name) == null) {
                throw new Invalid("the token lacks the claim " + name);
            }
        }
        for (ClaimCheck check : claimChecks) {
            Object value = Principal.claimAt(claims, check.name());
            if (value == null || !passes(check.test(), value)) {
                throw new Invalid("the token's claim " + check.name() + " is not accepted");
            }
        }
        if (!(Principal.claimAt(claims, subjectClaim) instanceof String subject) || subject.isEmpty()) {
            throw new Invalid("the token has no subject (" + subjectClaim + ")");
        }
        Principal principal = Principal.builder(subject, "jwt")
                .scopes(scopes(claims))
                .plan(planClaim != null && Principal.claimAt(claims, planClaim) instanceof String plan ? plan : null)
                .claims(claims)
                .build();
        for (PrincipalCheck check : principalChecks) {
            if (!passes(check.test(), principal)) {
                throw new Invalid("the token does not satisfy: " + check.description());
            }
        }
        for (String claim : claimHeaders.values()) {
            String value = headerValue(principal.claim(claim));
            if (value != null && !FieldValues.isSafe(value)) {
                throw new Invalid("the token's claim " + claim + " cannot be sent as a header");
            }
        }
        return principal;
    }

    /** Refuses a token that is not three non-empty base64url segments, before anything decodes it. */
    private static void checkShape(String token) {
        if (token.isEmpty()) {
            throw new Invalid("the token is empty");
        }
        if (token.length() > MAX_TOKEN_LENGTH) {
            throw new Invalid("the token is longer than " + MAX_TOKEN_LENGTH + " characters");
        }
        int first = token.indexOf('.');
        int second = first < 0 ? -1 : token.indexOf('.', first + 1);
        if (second < 0 || token.indexOf('.', second + 1) >= 0 || first == 0 || second == first + 1
                || second == token.length() - 1) {
            throw new Invalid("the token is not a signed JWT (expected: three dot-separated parts)");
        }
        int segmentStart = 0;
        for (int i = 0; i <= token.length(); i++) {
            char c = i < token.length() ? token.charAt(i) : '.';
            if (c == '.') {
                if (!canonicalEnd(i - segmentStart, token.charAt(i - 1))) {
                    throw new Invalid("the token is not valid base64url");
                }
                segmentStart = i + 1;
            } else if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
                    || c == '_')) {
                throw new Invalid("the token is not valid base64url");
            }
        }
    }

    /**
     * Returns whether a segment of this length may end with this character: never one char past a whole quantum, and
     * the bits a partial quantum leaves unused are zero, so that each token has one spelling (a decoder ignores them:
     * four spellings of one signature would otherwise verify, and dodge a list of revoked tokens).
     */
    private static boolean canonicalEnd(int length, char last) {
        int sextet = last >= 'A' && last <= 'Z' ? last - 'A' : last >= 'a' && last <= 'z' ? last - 'a' + 26
                : last >= '0' && last <= '9' ? last - '0' + 52 : last == '-' ? 62 : 63;
        return switch (length % 4) {
            case 1 -> false;
            case 2 -> (sextet & 0xf) == 0;
            case 3 -> (sextet & 0x3) == 0;
            default -> true;
        };
    }

    private void checkTimes(DecodedJWT jwt, TimeSource time) {
        long now = time.instant().getEpochSecond();
        Instant exp = jwt.getExpiresAtAsInstant();
        if (exp == null && requireExpiry) {
            throw new Invalid("the token has no expiry (exp)");
        }
        if (exp != null && now - skewSeconds >= exp.getEpochSecond()) {
            throw new Invalid("the token has expired");
        }
        Instant nbf = jwt.getNotBeforeAsInstant();
        if (nbf != null && now + skewSeconds < nbf.getEpochSecond()) {
            throw new Invalid("the token is not valid yet");
        }
        Instant iat = jwt.getIssuedAtAsInstant();
        if (iat != null && now + skewSeconds < iat.getEpochSecond()) {
            throw new Invalid("the token was issued in the future");
        }
    }

    private static <T> boolean passes(Predicate<? super T> test, T value) {
        try {
            return test.test(value);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static Set<String> scopes(Map<String, Object> claims) {
        Set<String> scopes = new LinkedHashSet<>();
        for (String name : SCOPE_CLAIMS) {
            Object value = claims.get(name);
            if (value instanceof String text) {
                for (String scope : text.split(" ")) {
                    if (!scope.isEmpty()) {
                        scopes.add(scope);
                    }
                }
            } else if (value instanceof List<?> list) {
                list.stream().filter(String.class::isInstance).map(String.class::cast).forEach(scopes::add);
            }
        }
        return scopes;
    }

    /**
     * Returns a claim as a header value: scalars as text, lists of scalars joined by commas, beyond ASCII as UTF-8
     * octets; else {@code null}.
     */
    private static String headerValue(Object value) {
        if (value instanceof String || value instanceof Number || value instanceof Boolean) {
            return FieldValues.utf8(value.toString());
        }
        if (value instanceof List<?> list) {
            List<String> parts = new ArrayList<>();
            for (Object element : list) {
                if (element instanceof String || element instanceof Number || element instanceof Boolean) {
                    parts.add(element.toString());
                }
            }
            return parts.isEmpty() ? null : FieldValues.utf8(String.join(",", parts));
        }
        return null;
    }

    /** Returns a JSON value with every list and map unmodifiable. */
    private static Object plain(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put(String.valueOf(k), plain(v)));
            return Collections.unmodifiableMap(copy);
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            list.forEach(v -> copy.add(plain(v)));
            return Collections.unmodifiableList(copy);
        }
        return value;
    }

    @Override
    public String toString() {
        return "JwtAuth{realm=" + realm + ", issuers=" + issuers + ", audiences=" + audiences + '}';
    }

    /** Why a token was refused; the message is for clients and never holds the token or its values. */
    private static final class Invalid extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    private record ClaimCheck(String name, Predicate<Object> test) {
    }

    private record PrincipalCheck(Predicate<Principal> test, String description) {
    }

    /** The keys pinned in the builder: each kid (or the one key without a kid) maps to one algorithm. */
    private static final class StaticKeys implements JwtKeys {
        private final Map<String, Algorithm> byKid;
        private final Algorithm withoutKid;

        StaticKeys(Map<String, Algorithm> byKid, Algorithm withoutKid) {
            this.byKid = Map.copyOf(byKid);
            this.withoutKid = withoutKid;
        }

        @Override
        public Algorithm algorithm(String kid) {
            return kid == null ? withoutKid : byKid.get(kid);
        }
    }

    /** A builder of {@link JwtAuth}, validated at {@link #build()}. */
    public static final class Builder {

        private final Map<String, Algorithm> keysByKid = new LinkedHashMap<>();
        private final List<Algorithm> keysWithoutKid = new ArrayList<>();
        private final List<String> problems = new ArrayList<>();
        private JwtKeys keySet;
        private final Set<String> issuers = new LinkedHashSet<>();
        private final Set<String> audiences = new LinkedHashSet<>();
        private Duration clockSkew = Duration.ofSeconds(30);
        private boolean requireExpiry = true;
        private final List<String> requiredClaims = new ArrayList<>();
        private int cacheSize = 10_000;
        private final List<ClaimCheck> claimChecks = new ArrayList<>();
        private final List<PrincipalCheck> principalChecks = new ArrayList<>();
        private String subjectClaim = "sub";
        private String planClaim;
        private final List<String> tokenHeaders = new ArrayList<>();
        private final List<String> tokenCookies = new ArrayList<>();
        private final List<String> tokenQueries = new ArrayList<>();
        private final Map<String, String> claimHeaders = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        private boolean forwardAuthorization = true;
        private String realm = "api";
        private boolean optional;

        private Builder() {
        }

        /** Accepts HS256 tokens without a {@code kid}, signed with this secret (at least 32 bytes). */
        public Builder hs256(byte[] secret) {
            return hmac(null, secret, 32, Algorithm::HMAC256);
        }

        /** Accepts HS256 tokens with this {@code kid}, signed with this secret (at least 32 bytes). */
        public Builder hs256(String kid, byte[] secret) {
            return hmac(Objects.requireNonNull(kid, "kid"), secret, 32, Algorithm::HMAC256);
        }

        /** Accepts HS384 tokens without a {@code kid}, signed with this secret (at least 48 bytes). */
        public Builder hs384(byte[] secret) {
            return hmac(null, secret, 48, Algorithm::HMAC384);
        }

        /** Accepts HS384 tokens with this {@code kid}, signed with this secret (at least 48 bytes). */
        public Builder hs384(String kid, byte[] secret) {
            return hmac(Objects.requireNonNull(kid, "kid"), secret, 48, Algorithm::HMAC384);
        }

        /** Accepts HS512 tokens without a {@code kid}, signed with this secret (at least 64 bytes). */
        public Builder hs512(byte[] secret) {
            return hmac(null, secret, 64, Algorithm::HMAC512);
        }

        /** Accepts HS512 tokens with this {@code kid}, signed with this secret (at least 64 bytes). */
        public Builder hs512(String kid, byte[] secret) {
            return hmac(Objects.requireNonNull(kid, "kid"), secret, 64, Algorithm::HMAC512);
        }

        /** Accepts RS256 tokens without a {@code kid}, signed by this key's private half. */
        public Builder rs256(RSAPublicKey key) {
            return key(null, Algorithm.RSA256(Objects.requireNonNull(key, "key")));
        }

        /** Accepts RS256 tokens with this {@code kid}, signed by this key's private half. */
        public Builder rs256(String kid, RSAPublicKey key) {
            return key(Objects.requireNonNull(kid, "kid"), Algorithm.RSA256(Objects.requireNonNull(key, "key")));
        }

        /** Accepts RS384 tokens without a {@code kid}, signed by this key's private half. */
        public Builder rs384(RSAPublicKey key) {
            return key(null, Algorithm.RSA384(Objects.requireNonNull(key, "key")));
        }

        /** Accepts RS384 tokens with this {@code kid}, signed by this key's private half. */
        public Builder rs384(String kid, RSAPublicKey key) {
            return key(Objects.requireNonNull(kid, "kid"), Algorithm.RSA384(Objects.requireNonNull(key, "key")));
        }

        /** Accepts RS512 tokens without a {@code kid}, signed by this key's private half. */
        public Builder rs512(RSAPublicKey key) {
            return key(null, Algorithm.RSA512(Objects.requireNonNull(key, "key")));
        }

        /** Accepts RS512 tokens with this {@code kid}, signed by this key's private half. */
        public Builder rs512(String kid, RSAPublicKey key) {
            return key(Objects.requireNonNull(kid, "kid"), Algorithm.RSA512(Objects.requireNonNull(key, "key")));
        }

        /** Accepts PS256 (RSASSA-PSS) tokens without a {@code kid}, signed by this key's private half. */
        public Builder ps256(RSAPublicKey key) {
            return key(null, Algorithm.RSA256PSS(Objects.requireNonNull(key, "key")));
        }

        /** Accepts PS256 (RSASSA-PSS) tokens with this {@code kid}, signed by this key's private half. */
        public Builder ps256(String kid, RSAPublicKey key) {
            return key(Objects.requireNonNull(kid, "kid"), Algorithm.RSA256PSS(Objects.requireNonNull(key, "key")));
        }

        /** Accepts PS384 (RSASSA-PSS) tokens without a {@code kid}, signed by this key's private half. */
        public Builder ps384(RSAPublicKey key) {
            return key(null, Algorithm.RSA384PSS(Objects.requireNonNull(key, "key")));
        }

        /** Accepts PS384 (RSASSA-PSS) tokens with this {@code kid}, signed by this key's private half. */
        public Builder ps384(String kid, RSAPublicKey key) {
            return key(Objects.requireNonNull(kid, "kid"), Algorithm.RSA384PSS(Objects.requireNonNull(key, "key")));
        }

        /** Accepts PS512 (RSASSA-PSS) tokens without a {@code kid}, signed by this key's private half. */
        public Builder ps512(RSAPublicKey key) {
            return key(null, Algorithm.RSA512PSS(Objects.requireNonNull(key, "key")));
        }

        /** Accepts PS512 (RSASSA-PSS) tokens with this {@code kid}, signed by this key's private half. */
        public Builder ps512(String kid, RSAPublicKey key) {
            return key(Objects.requireNonNull(kid, "kid"), Algorithm.RSA512PSS(Objects.requireNonNull(key, "key")));
        }

        /** Accepts ES256 tokens without a {@code kid}, signed by this P-256 key's private half. */
        public Builder es256(ECPublicKey key) {
            return key(null, Algorithm.ECDSA256(Objects.requireNonNull(key, "key")));
        }

        /** Accepts ES256 tokens with this {@code kid}, signed by this P-256 key's private half. */
        public Builder es256(String kid, ECPublicKey key) {
            return key(Objects.requireNonNull(kid, "kid"), Algorithm.ECDSA256(Objects.requireNonNull(key, "key")));
        }

        /** Accepts ES384 tokens without a {@code kid}, signed by this P-384 key's private half. */
        public Builder es384(ECPublicKey key) {
            return key(null, Algorithm.ECDSA384(Objects.requireNonNull(key, "key")));
        }

        /** Accepts ES384 tokens with this {@code kid}, signed by this P-384 key's private half. */
        public Builder es384(String kid, ECPublicKey key) {
            return key(Objects.requireNonNull(kid, "kid"), Algorithm.ECDSA384(Objects.requireNonNull(key, "key")));
        }

        /** Accepts ES512 tokens without a {@code kid}, signed by this P-521 key's private half. */
        public Builder es512(ECPublicKey key) {
            return key(null, Algorithm.ECDSA512(Objects.requireNonNull(key, "key")));
        }

        /** Accepts ES512 tokens with this {@code kid}, signed by this P-521 key's private half. */
        public Builder es512(String kid, ECPublicKey key) {
            return key(Objects.requireNonNull(kid, "kid"), Algorithm.ECDSA512(Objects.requireNonNull(key, "key")));
        }

        /** Verifies with an external key set (such as a JWKS) instead of keys named here. */
        public Builder keys(JwtKeys keys) {
            this.keySet = Objects.requireNonNull(keys, "keys");
            return this;
        }

        /** Accepts only tokens whose {@code iss} is one of these. */
        public Builder issuer(String... issuers) {
            for (String issuer : issuers) {
                this.issuers.add(Objects.requireNonNull(issuer, "issuer"));
            }
            return this;
        }

        /** Accepts only tokens whose {@code aud} (a string or an array) holds one of these. */
        public Builder audience(String... audiences) {
            for (String audience : audiences) {
                this.audiences.add(Objects.requireNonNull(audience, "audience"));
            }
            return this;
        }

        /** Sets the clock difference tolerated for {@code exp}, {@code nbf} and {@code iat} (default 30 seconds). */
        public Builder clockSkew(Duration clockSkew) {
            this.clockSkew = Objects.requireNonNull(clockSkew, "clockSkew");
            return this;
        }

        /** Whether a token must have an {@code exp} (default {@code true}). */
        public Builder requireExpiry(boolean requireExpiry) {
            this.requireExpiry = requireExpiry;
            return this;
        }

        /** Accepts only tokens that have this claim (a dotted path such as {@code realm_access.roles}). */
        public Builder requireClaim(String name) {
            requiredClaims.add(Objects.requireNonNull(name, "name"));
            return this;
        }

        /** Accepts only tokens that have this claim (a dotted path) with a value (a plain JSON value) that passes. */
        public Builder claim(String name, Predicate<Object> test) {
            claimChecks.add(new ClaimCheck(Objects.requireNonNull(name, "name"), Objects.requireNonNull(test, "test")));
            return this;
        }

        /** Accepts only tokens whose principal passes this test; the description says what failed, in the 401. */
        public Builder require(Predicate<Principal> test, String description) {
            principalChecks.add(new PrincipalCheck(Objects.requireNonNull(test, "test"),
                    Objects.requireNonNull(description, "description")));
            return this;
        }

        /** Sets the claim that holds the principal's subject (default {@code sub}). */
        public Builder subjectClaim(String name) {
            this.subjectClaim = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Sets the claim that holds the principal's plan (default: none). */
        public Builder planClaim(String name) {
            this.planClaim = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Also reads the token from this header, whose whole value is the token. */
        public Builder tokenHeader(String name) {
            tokenHeaders.add(Objects.requireNonNull(name, "name"));
            return this;
        }

        /** Also reads the token from this cookie. */
        public Builder tokenCookie(String name) {
            tokenCookies.add(Objects.requireNonNull(name, "name"));
            return this;
        }

        /** Also reads the token from this query parameter (it then appears in access logs: prefer a header). */
        public Builder tokenQuery(String name) {
            tokenQueries.add(Objects.requireNonNull(name, "name"));
            return this;
        }

        /**
         * Sends this claim (a dotted path) upstream in this header; lists are joined by commas. The header is an
         * identity header: the gateway removes client-sent copies from every request.
         */
        public Builder claimHeader(String claim, String header) {
            Objects.requireNonNull(claim, "claim");
            Objects.requireNonNull(header, "header");
            if (!FieldValues.isToken(header)) {
                problems.add("header: " + header + " (expected: a header name)");
            } else if (header.equalsIgnoreCase("Authorization") || header.equalsIgnoreCase("Cookie")
                    || header.equalsIgnoreCase("Host")) {
                problems.add("header: " + header + " (expected: a header that does not carry credentials or routing)");
            } else if (claimHeaders.putIfAbsent(header, claim) != null) {
                problems.add("header: " + header + " (expected: one claim per header)");
            }
            return this;
        }

        /** Whether the client's {@code Authorization} header goes upstream (default {@code true}). */
        public Builder forwardAuthorization(boolean forwardAuthorization) {
            this.forwardAuthorization = forwardAuthorization;
            return this;
        }

        /** Sets the realm named in {@code WWW-Authenticate} (default {@code api}). */
        /**
         * Sets how many verified tokens are remembered (default 10,000; 0 remembers none), so that a client sending
         * the same token again is not decoded and verified again: each is remembered until its {@code exp}, at most
         * a minute, which bounds how long a key withdrawn from a JWKS goes on verifying tokens it signed.
         */
        public Builder cacheSize(int tokens) {
            if (tokens < 0) {
                throw new IllegalArgumentException("cacheSize: " + tokens + " (expected: >= 0)");
            }
            this.cacheSize = tokens;
            return this;
        }

        public Builder realm(String realm) {
            this.realm = Objects.requireNonNull(realm, "realm");
            return this;
        }

        /**
         * Whether a request without a token passes, without a principal (default {@code false}); a request with an
         * invalid token is refused either way.
         */
        public Builder optional(boolean optional) {
            this.optional = optional;
            return this;
        }

        /** Returns the filter; fails with a message naming the problem when the configuration is not valid. */
        public JwtAuth build() {
            List<String> found = new ArrayList<>(problems);
            boolean staticKeys = !keysByKid.isEmpty() || !keysWithoutKid.isEmpty();
            if (!staticKeys && keySet == null) {
                found.add("keys: none (expected: at least one key, such as hs256(secret) or rs256(publicKey))");
            }
            if (staticKeys && keySet != null) {
                found.add("keys: both pinned keys and a key set (expected: one of them)");
            }
            if (keysWithoutKid.size() > 1) {
                found.add("keys: " + keysWithoutKid.size() + " keys without a kid (expected: at most one)");
            }
            if (clockSkew.isNegative() || clockSkew.compareTo(Duration.ofMinutes(10)) > 0) {
                found.add("clockSkew: " + clockSkew + " (expected: 0 to PT10M)");
            }
            quotable("realm", realm, found);
            quotable("subjectClaim", subjectClaim, found);
            requiredClaims.forEach(name -> quotable("requireClaim", name, found));
            claimChecks.forEach(check -> quotable("claim", check.name(), found));
            principalChecks.forEach(check -> quotable("description", check.description(), found));
            claimHeaders.values().forEach(claim -> quotable("claim", claim, found));
            for (String name : tokenHeaders) {
                if (!FieldValues.isToken(name) || name.equalsIgnoreCase("Authorization")
                        || name.equalsIgnoreCase("Cookie")) {
                    found.add("tokenHeader: " + name + " (expected: a header name other than Authorization and Cookie)");
                }
            }
            for (String name : tokenCookies) {
                if (!FieldValues.isToken(name)) {
                    found.add("tokenCookie: " + name + " (expected: a cookie name)");
                }
            }
            for (String name : tokenQueries) {
                if (name.isEmpty()) {
                    found.add("tokenQuery: \"\" (expected: a parameter name)");
                }
            }
            if (!found.isEmpty()) {
                throw new IllegalArgumentException(String.join("; ", found));
            }
            JwtKeys keys = keySet != null ? keySet
                    : new StaticKeys(keysByKid, keysWithoutKid.isEmpty() ? null : keysWithoutKid.get(0));
            return new JwtAuth(this, keys);
        }

        private Builder hmac(String kid, byte[] secret, int minimum, Function<byte[], Algorithm> algorithm) {
            Objects.requireNonNull(secret, "secret");
            if (secret.length < minimum) {
                problems.add("secret: " + secret.length + " bytes (expected: >= " + minimum + ")");
                return this;
            }
            return key(kid, algorithm.apply(secret.clone()));
        }

        private Builder key(String kid, Algorithm algorithm) {
            if (kid == null) {
                keysWithoutKid.add(algorithm);
            } else if (kid.isEmpty()) {
                problems.add("kid: \"\" (expected: a non-empty key id)");
            } else if (keysByKid.putIfAbsent(kid, algorithm) != null) {
                problems.add("kid: " + kid + " (expected: each key id once)");
            }
            return this;
        }

        /** Names and descriptions go into the challenge's quoted {@code error_description} as they are. */
        private static void quotable(String name, String value, List<String> found) {
            if (value.isEmpty() || !value.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '"' && c != '\\')) {
                found.add(name + ": " + value + " (expected: printable ASCII without quotes or backslashes)");
            }
        }
    }
}
