package dev.portico.core.auth;

import com.auth0.jwt.algorithms.Algorithm;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.portico.core.internal.Checks;

import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.EllipticCurve;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The public keys of a JWKS endpoint (a JWK Set URL such as an identity provider's {@code /.well-known/jwks.json}),
 * fetched in the background and answered from memory, each key with its algorithm pinned; close it (or hand it to
 * {@code Gateway.builder().resource(...)}) to stop its refresh thread.
 *
 * <pre>{@code
 * Jwks jwks = Jwks.builder(URI.create("https://id.example.com/.well-known/jwks.json")).build();
 * }</pre>
 *
 * <p>The first fetch starts at {@link Builder#build()}, in the background; until it succeeds, {@link #algorithm}
 * answers {@code null} (a JWT filter answers 401). The set is then fetched again every {@code refreshInterval}, and a
 * token whose {@code kid} the set does not hold starts one fetch at most once per {@code minRefreshInterval}, so a
 * rotated key is found without a restart and random key ids cannot cause a storm of fetches. A failed fetch
 * (refused, timed out, not {@code 200}, not a JWK Set, or no usable key in it) keeps the last good keys and logs one
 * warning per streak of failures. Only the configured URL is ever fetched: nothing in a token adds a key.
 *
 * <p>Keys: RSA ({@code RS256}, {@code RS384}, {@code RS512}, {@code PS256}, {@code PS384}, {@code PS512}; at least
 * 2048 bits) and EC ({@code ES256} on P-256, {@code ES384} on P-384, {@code ES512} on P-521). A key's algorithm is its
 * {@code alg} when present, which must suit the key, else {@code RS256} for RSA and the curve's for EC. Keys whose
 * {@code use} is not {@code sig}, symmetric ({@code oct}) keys and keys that cannot be read are skipped.
 */
public final class Jwks implements JwtKeys, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Jwks.class.getName());
    private static final int MAX_BODY_BYTES = 1024 * 1024;
    private static final int MIN_RSA_BITS = 2048;

    /** The keys of one successful fetch; immutable, swapped whole. */
    private record KeySet(Map<String, Algorithm> byKid, Algorithm only, String source) {
        static final KeySet EMPTY = new KeySet(Map.of(), null, null);
    }

    private final URI url;
    private final Duration refreshInterval;
    private final long minRefreshNanos;
    private final Duration timeout;
    private final ScheduledExecutorService scheduler;
    private final HttpClient client;
    private final AtomicBoolean fetching = new AtomicBoolean();
    private final AtomicLong lastFetchStart;
    private volatile KeySet keys = KeySet.EMPTY;
    private volatile boolean failing;
    private volatile boolean closed;

    private Jwks(Builder b) {
        this.url = b.url;
        this.refreshInterval = b.refreshInterval;
        this.minRefreshNanos = b.minRefreshInterval.toNanos();
        this.timeout = b.timeout;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "portico-jwks " + url.getHost());
            thread.setDaemon(true);
            return thread;
        });
        this.client = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(scheduler)
                .build();
        this.lastFetchStart = new AtomicLong(System.nanoTime());
        scheduler.execute(this::fetch);
        long every = refreshInterval.toNanos();
        scheduler.scheduleWithFixedDelay(this::fetch, every, every, TimeUnit.NANOSECONDS);
    }

    /** Returns a builder of the key set published at this JWK Set URL ({@code http} or {@code https}). */
    public static Builder builder(URI jwksUrl) {
        return new Builder(jwksUrl);
    }

    /**
     * Returns the pinned algorithm of the key with this id from the keys fetched last, or {@code null}; an unknown id
     * starts a fetch in the background (at most one per {@code minRefreshInterval}), so a retry may find it. A
     * {@code null} id finds the set's only key, if it holds exactly one. Never blocks.
     */
    @Override
    public Algorithm algorithm(String kid) {
        KeySet current = keys;
        Algorithm found = kid == null ? current.only() : current.byKid().get(kid);
        if (found == null && (kid != null || current.byKid().isEmpty())) {
            refreshSoon();                  // no fetch for a kid-less token while keys are held
        }
        return found;
    }

    /** Returns the URL this key set is fetched from. */
    public URI url() {
        return url;
    }

    /** Stops the background refresh; afterwards the last keys still answer, and nothing is fetched again. */
    @Override
    public void close() {
        closed = true;
        scheduler.shutdownNow();
    }

    @Override
    public String toString() {
        return "Jwks{" + url + '}';
    }

    /** Returns the ids of the keys held now; for tests. */
    Set<String> kids() {
        return keys.byKid().keySet();
    }

    /** Returns whether the refresh thread has stopped; for tests. */
    boolean isTerminated() {
        return scheduler.isTerminated();
    }

    private void refreshSoon() {
        if (closed) {
            return;
        }
        long now = System.nanoTime();
        long last = lastFetchStart.get();
        if (now - last < minRefreshNanos || fetching.get() || !lastFetchStart.compareAndSet(last, now)) {
            return;
        }
        try {
            scheduler.execute(this::fetch);
        } catch (RejectedExecutionException closing) {
            // closed meanwhile: nothing more to fetch
        }
    }

    /** Runs on the scheduler's thread; starts one fetch unless one is under way. */
    private void fetch() {
        if (closed || !fetching.compareAndSet(false, true)) {
            return;
        }
        lastFetchStart.set(System.nanoTime());
        CompletableFuture<HttpResponse<String>> response;
        try {
            HttpRequest request = HttpRequest.newBuilder(url)
                    .timeout(timeout)
                    .header("Accept", "application/jwk-set+json, application/json")
                    .GET()
                    .build();
            response = client.sendAsync(request, info -> new LimitedString(MAX_BODY_BYTES));
        } catch (RuntimeException e) {
            fetching.set(false);
            failed(e.toString());
            return;
        }
        response.whenComplete((answer, failure) -> {
            try {
                if (failure != null) {
                    failed(describe(failure));
                } else if (answer.statusCode() != 200) {
                    failed("status " + answer.statusCode());
                } else {
                    load(answer.body());
                }
            } catch (RuntimeException e) {
                failed(describe(e));
            } finally {
                fetching.set(false);
            }
        });
    }

    private void load(String body) {
        if (body.equals(keys.source())) {
            recovered();
            return;
        }
        JsonElement root;
        try {
            root = JsonParser.parseString(body);
        } catch (RuntimeException e) {
            failed("the response is not JSON");
            return;
        }
        if (!root.isJsonObject() || !root.getAsJsonObject().has("keys")
                || !root.getAsJsonObject().get("keys").isJsonArray()) {
            failed("the response is not a JWK Set (expected: an object with a \"keys\" array)");
            return;
        }
        Map<String, Algorithm> byKid = new LinkedHashMap<>();
        List<Algorithm> all = new ArrayList<>();
        int index = 0;
        for (JsonElement element : root.getAsJsonObject().getAsJsonArray("keys")) {
            String where = "key " + index++;
            if (!element.isJsonObject()) {
                skip(where, "not a JSON object");
                continue;
            }
            JsonObject jwk = element.getAsJsonObject();
            String kid = text(jwk, "kid");
            if (kid != null) {
                where = "key " + kid;
            }
            if (kid != null && byKid.containsKey(kid)) {
                skip(where, "its kid is used by an earlier key");
                continue;
            }
            Algorithm algorithm;
            try {
                algorithm = read(jwk, where);
            } catch (RuntimeException | GeneralSecurityException e) {
                skip(where, "it cannot be read (" + e.getClass().getSimpleName() + ")");
                continue;
            }
            if (algorithm == null) {
                continue;
            }
            all.add(algorithm);
            if (kid != null) {
                byKid.put(kid, algorithm);
            }
        }
        if (all.isEmpty()) {
            failed("the JWK Set holds no usable signing key");
            return;
        }
        keys = new KeySet(Map.copyOf(byKid), all.size() == 1 ? all.get(0) : null, body);
        recovered();
    }

    /** Returns the key's pinned algorithm, or {@code null} after logging why it is skipped. */
    private static Algorithm read(JsonObject jwk, String where) throws GeneralSecurityException {
        String use = text(jwk, "use");
        if (use != null && !use.equals("sig")) {
            LOG.log(System.Logger.Level.DEBUG, "JWKS {0} skipped: its use is {1} (expected: sig)", where, use);
            return null;
        }
        String kty = text(jwk, "kty");
        String alg = text(jwk, "alg");
        if ("RSA".equals(kty)) {
            RSAPublicKey key = (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(
                    new RSAPublicKeySpec(number(jwk, "n"), number(jwk, "e")));
            if (key.getModulus().bitLength() < MIN_RSA_BITS) {
                skip(where, "its RSA key has " + key.getModulus().bitLength() + " bits (expected: >= " + MIN_RSA_BITS + ")");
                return null;
            }
            switch (alg == null ? "RS256" : alg) {
                case "RS256": return Algorithm.RSA256(key, null);
                case "RS384": return Algorithm.RSA384(key, null);
                case "RS512": return Algorithm.RSA512(key, null);
                case "PS256": return Algorithm.RSA256PSS(key, null);
                case "PS384": return Algorithm.RSA384PSS(key, null);
                case "PS512": return Algorithm.RSA512PSS(key, null);
                default:
                    skip(where, "its alg " + alg + " does not suit an RSA key (expected: RS256-512 or PS256-512)");
                    return null;
            }
        }
        if ("EC".equals(kty)) {
            String crv = text(jwk, "crv");
            String[] curve = crv == null ? null : switch (crv) {
                case "P-256" -> new String[] {"secp256r1", "ES256"};
                case "P-384" -> new String[] {"secp384r1", "ES384"};
                case "P-521" -> new String[] {"secp521r1", "ES512"};
                default -> null;
            };
            if (curve == null) {
                skip(where, "its curve is " + crv + " (expected: P-256, P-384 or P-521)");
                return null;
            }
            if (alg != null && !alg.equals(curve[1])) {
                skip(where, "its alg " + alg + " does not suit a " + crv + " key (expected: " + curve[1] + ")");
                return null;
            }
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec(curve[0]));
            ECParameterSpec spec = parameters.getParameterSpec(ECParameterSpec.class);
            ECPoint point = new ECPoint(number(jwk, "x"), number(jwk, "y"));
            if (!onCurve(point, spec.getCurve())) {
                skip(where, "its point is not on " + crv);
                return null;
            }
            ECPublicKey key = (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, spec));
            return switch (curve[1]) {
                case "ES256" -> Algorithm.ECDSA256(key, null);
                case "ES384" -> Algorithm.ECDSA384(key, null);
                default -> Algorithm.ECDSA512(key, null);
            };
        }
        if ("oct".equals(kty)) {
            skip(where, "symmetric (oct) keys are refused in a JWKS");
            return null;
        }
        skip(where, "its kty is " + kty + " (expected: RSA or EC)");
        return null;
    }

    private static boolean onCurve(ECPoint point, EllipticCurve curve) {
        BigInteger p = ((ECFieldFp) curve.getField()).getP();
        BigInteger x = point.getAffineX();
        BigInteger y = point.getAffineY();
        if (x.signum() < 0 || y.signum() < 0 || x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
            return false;
        }
        BigInteger left = y.multiply(y).mod(p);
        BigInteger right = x.pow(3).add(curve.getA().multiply(x)).add(curve.getB()).mod(p);
        return left.equals(right);
    }

    private static String text(JsonObject jwk, String member) {
        JsonElement value = jwk.get(member);
        return value != null && value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()
                ? value.getAsString() : null;
    }

    private static BigInteger number(JsonObject jwk, String member) {
        String value = text(jwk, member);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("missing " + member);
        }
        return new BigInteger(1, Base64.getUrlDecoder().decode(value));
    }

    private static void skip(String where, String why) {
        LOG.log(System.Logger.Level.WARNING, "JWKS {0} skipped: {1}", where, why);
    }

    private void failed(String why) {
        if (!failing) {
            failing = true;
            LOG.log(System.Logger.Level.WARNING,
                    "JWKS {0} could not be refreshed ({1}); keeping the last good keys until a fetch succeeds", url, why);
        }
    }

    private void recovered() {
        if (failing) {
            failing = false;
            LOG.log(System.Logger.Level.INFO, "JWKS {0} refreshed again", url);
        }
    }

    private static String describe(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && (cause instanceof java.util.concurrent.CompletionException
                || cause instanceof java.util.concurrent.ExecutionException)) {
            cause = cause.getCause();
        }
        return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }

    /** Collects a response body as UTF-8 text, failing once it exceeds a bound. */
    private static final class LimitedString implements HttpResponse.BodySubscriber<String> {

        private final int max;
        private final CompletableFuture<String> result = new CompletableFuture<>();
        private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        private Flow.Subscription subscription;

        LimitedString(int max) {
            this.max = max;
        }

        @Override
        public CompletionStage<String> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer item : items) {
                if (bytes.size() + item.remaining() > max) {
                    result.completeExceptionally(new IllegalStateException("body exceeds " + max + " bytes"));
                    subscription.cancel();
                    return;
                }
                byte[] chunk = new byte[item.remaining()];
                item.get(chunk);
                bytes.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable throwable) {
            result.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            result.complete(bytes.toString(StandardCharsets.UTF_8));
        }
    }

    /** A builder of {@link Jwks}. */
    public static final class Builder {

        private final URI url;
        private Duration refreshInterval = Duration.ofMinutes(5);
        private Duration minRefreshInterval = Duration.ofSeconds(30);
        private Duration timeout = Duration.ofSeconds(5);

        private Builder(URI url) {
            this.url = Objects.requireNonNull(url, "jwksUrl");
        }

        /** Sets how often the key set is fetched again; default 5 minutes. */
        public Builder refreshInterval(Duration refreshInterval) {
            this.refreshInterval = refreshInterval;
            return this;
        }

        /**
         * Sets the least time between the start of one fetch and a fetch that a token with an unknown {@code kid}
         * starts; default 30 seconds.
         */
        public Builder minRefreshInterval(Duration minRefreshInterval) {
            this.minRefreshInterval = minRefreshInterval;
            return this;
        }

        /** Sets how long a fetch may take, connecting included; default 5 seconds. */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Returns the key set and starts its first fetch in the background. */
        public Jwks build() {
            String scheme = url.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                    || url.getHost() == null) {
                throw new IllegalArgumentException("jwksUrl: " + url + " (expected: an absolute http or https URL)");
            }
            Checks.positive(refreshInterval, "refreshInterval");
            Checks.positive(minRefreshInterval, "minRefreshInterval");
            Checks.positive(timeout, "timeout");
            if (minRefreshInterval.compareTo(refreshInterval) > 0) {
                throw new IllegalArgumentException("minRefreshInterval: " + minRefreshInterval
                        + " (expected: <= refreshInterval " + refreshInterval + ")");
            }
            return new Jwks(this);
        }
    }
}
