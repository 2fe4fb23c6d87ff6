package dev.portico.core.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A JWKS is fetched from a real HTTP server, in the background, and survives rotation, storms and outages. */
class JwksTest {

    private static final Duration LONG = Duration.ofHours(1);

    private static final KeyPair RSA_1 = generate("RSA", null);
    private static final KeyPair RSA_2 = generate("RSA", null);
    private static final KeyPair EC_256 = generate("EC", "secp256r1");
    private static final KeyPair EC_384 = generate("EC", "secp384r1");

    private final Logger julLogger = Logger.getLogger(Jwks.class.getName());
    private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            logged.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private JwksServer server;
    private final List<Jwks> opened = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        julLogger.addHandler(capture);
        julLogger.setUseParentHandlers(false);
        server = new JwksServer();
    }

    @AfterEach
    void stop() {
        opened.forEach(Jwks::close);
        server.stop();
        julLogger.removeHandler(capture);
        julLogger.setUseParentHandlers(true);
    }

    @Test
    void loadsRsaAndEcKeysAndATokensKidFindsItsPinnedAlgorithm() {
        server.serve(keySet(rsa("rsa-1", RSA_1, null, null), ec("ec-256", EC_256, "P-256", null),
                ec("ec-384", EC_384, "P-384", "ES384"), rsa("rsa-ps", RSA_2, "PS256", "sig")));
        Jwks jwks = open(Jwks.builder(server.url()).refreshInterval(LONG));

        awaitTrue(() -> jwks.kids().size() == 4);

        assertThat(jwks.kids()).containsExactlyInAnyOrder("rsa-1", "ec-256", "ec-384", "rsa-ps");
        assertThat(jwks.algorithm("rsa-1").getName()).isEqualTo("RS256");
        assertThat(jwks.algorithm("ec-256").getName()).isEqualTo("ES256");
        assertThat(jwks.algorithm("ec-384").getName()).isEqualTo("ES384");
        assertThat(jwks.algorithm("rsa-ps").getName()).isEqualTo("PS256");
        assertThat(jwks.algorithm(null)).as("no kid, several keys").isNull();

        String rsaToken = JWT.create().withKeyId("rsa-1").withSubject("alice")
                .sign(Algorithm.RSA256((RSAPublicKey) RSA_1.getPublic(), (RSAPrivateKey) RSA_1.getPrivate()));
        String ecToken = JWT.create().withKeyId("ec-256").withSubject("bob")
                .sign(Algorithm.ECDSA256((ECPublicKey) EC_256.getPublic(), (ECPrivateKey) EC_256.getPrivate()));
        assertThat(verify(jwks, rsaToken)).isEqualTo("alice");
        assertThat(verify(jwks, ecToken)).isEqualTo("bob");
        assertThat(server.fetches()).isEqualTo(1);
    }

    @Test
    void aSetOfOneKeyAnswersATokenWithoutKid() {
        server.serve(keySet(rsaWithoutKid(RSA_1)));
        Jwks jwks = open(Jwks.builder(server.url()).refreshInterval(LONG));

        awaitTrue(() -> jwks.algorithm(null) != null);

        String token = JWT.create().withSubject("alice")
                .sign(Algorithm.RSA256((RSAPublicKey) RSA_1.getPublic(), (RSAPrivateKey) RSA_1.getPrivate()));
        assertThat(verify(jwks, token)).isEqualTo("alice");
    }

    @Test
    void anUnknownKidTriggersOneRefreshThatFindsARotatedKeyAndForgetsTheOldOne() {
        server.serve(keySet(rsa("old", RSA_1, null, null)));
        Jwks jwks = open(Jwks.builder(server.url()).refreshInterval(LONG).minRefreshInterval(Duration.ofMillis(100)));
        awaitTrue(() -> jwks.kids().contains("old"));
        assertThat(server.fetches()).isEqualTo(1);

        server.serve(keySet(rsa("new", RSA_2, null, null)));
        awaitTrue(() -> jwks.algorithm("new") != null);

        assertThat(server.fetches()).isEqualTo(2);
        assertThat(jwks.kids()).containsExactly("new");
        String token = JWT.create().withKeyId("new").withSubject("carol")
                .sign(Algorithm.RSA256((RSAPublicKey) RSA_2.getPublic(), (RSAPrivateKey) RSA_2.getPrivate()));
        assertThat(verify(jwks, token)).isEqualTo("carol");
    }

    @Test
    void aBurstOfUnknownKidsFetchesAtMostOncePerMinRefreshInterval() throws Exception {
        Duration floor = Duration.ofSeconds(1);
        server.serve(keySet(rsa("k1", RSA_1, null, null)));
        Jwks jwks = open(Jwks.builder(server.url()).refreshInterval(LONG).minRefreshInterval(floor));
        awaitTrue(() -> jwks.kids().contains("k1"));
        Thread.sleep(floor.toMillis() + 100);
        int before = server.fetches();

        ExecutorService callers = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger answered = new AtomicInteger();
        long started = System.nanoTime();
        try {
            for (int i = 0; i < 1000; i++) {
                callers.execute(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    if (jwks.algorithm(UUID.randomUUID().toString()) == null) {
                        answered.incrementAndGet();
                    }
                });
            }
            go.countDown();
            callers.shutdown();
            assertThat(callers.awaitTermination(20, TimeUnit.SECONDS)).as("burst does not hang").isTrue();
        } finally {
            callers.shutdownNow();
        }
        long burstMillis = Duration.ofNanos(System.nanoTime() - started).toMillis();
        awaitTrue(() -> server.fetches() > before);
        Thread.sleep(200);

        assertThat(answered).hasValue(1000);
        assertThat(server.fetches() - before).isBetween(1, 1 + (int) (burstMillis / floor.toMillis()));
        assertThat(jwks.algorithm("k1")).isNotNull();
    }

    @Test
    void anOutageKeepsTheLastGoodKeysAndWarnsOncePerStreak() {
        server.serve(keySet(rsa("k1", RSA_1, null, null)));
        Jwks jwks = open(Jwks.builder(server.url()).refreshInterval(Duration.ofMillis(100))
                .minRefreshInterval(Duration.ofMillis(50)));
        awaitTrue(() -> jwks.kids().contains("k1"));

        server.answer(500, "{\"error\":\"down\"}");
        int failing = server.fetches();
        awaitTrue(() -> server.fetches() >= failing + 2);
        assertThat(jwks.algorithm("k1")).isNotNull();
        server.answer(200, "<html>not json</html>");
        int garbage = server.fetches();
        awaitTrue(() -> server.fetches() >= garbage + 2);
        assertThat(jwks.algorithm("k1")).isNotNull();
        server.answer(200, "{\"keys\":[]}");
        int empty = server.fetches();
        awaitTrue(() -> server.fetches() >= empty + 2);
        assertThat(jwks.algorithm("k1")).isNotNull();
        assertThat(warnings("could not be refreshed")).as("one warning for the whole streak").hasSize(1);

        server.serve(keySet(rsa("k1", RSA_1, null, null)));
        awaitTrue(() -> logged.stream().anyMatch(r -> r.getMessage().contains("refreshed again")));
        server.stop();
        awaitTrue(() -> warnings("could not be refreshed").size() == 2);

        assertThat(jwks.algorithm("k1")).isNotNull();
        assertThat(jwks.kids()).containsExactly("k1");
    }

    @Test
    void aFetchThatTimesOutKeepsTheLastGoodKeys() {
        server.serve(keySet(rsa("k1", RSA_1, null, null)));
        Jwks jwks = open(Jwks.builder(server.url()).refreshInterval(Duration.ofMillis(200))
                .minRefreshInterval(Duration.ofMillis(100)).timeout(Duration.ofMillis(300)));
        awaitTrue(() -> jwks.kids().contains("k1"));

        server.hang();
        awaitTrue(() -> warnings("could not be refreshed").size() == 1);

        assertThat(warnings("could not be refreshed").get(0).getParameters()[1].toString()).contains("Timeout");
        assertThat(jwks.algorithm("k1")).isNotNull();
    }

    @Test
    void aKeyWhoseAlgDoesNotSuitItsTypeIsSkippedAndLogged() {
        server.serve(keySet(rsa("good", RSA_1, "RS384", "sig"), rsa("rsa-as-ec", RSA_2, "ES256", null),
                ec("p256-as-es384", EC_256, "P-256", "ES384"), rsa("rsa-as-hmac", RSA_2, "HS256", null),
                ec("p384-wrong-crv", EC_384, "P-256", null)));
        Jwks jwks = open(Jwks.builder(server.url()).refreshInterval(LONG));

        awaitTrue(() -> jwks.kids().contains("good"));

        assertThat(jwks.kids()).containsExactly("good");
        assertThat(jwks.algorithm("good").getName()).isEqualTo("RS384");
        assertThat(skipped()).anyMatch(m -> m.contains("rsa-as-ec")).anyMatch(m -> m.contains("p256-as-es384"))
                .anyMatch(m -> m.contains("rsa-as-hmac")).anyMatch(m -> m.contains("p384-wrong-crv"));
    }

    @Test
    void aSymmetricKeyIsRefused() {
        String oct = "{\"kty\":\"oct\",\"kid\":\"shared\",\"alg\":\"HS256\",\"k\":\""
                + b64("a-secret-of-thirty-two-bytes-ok!".getBytes(StandardCharsets.UTF_8)) + "\"}";
        server.serve(keySet(oct, rsa("good", RSA_1, null, null)));
        Jwks jwks = open(Jwks.builder(server.url()).refreshInterval(LONG));

        awaitTrue(() -> jwks.kids().contains("good"));

        assertThat(jwks.kids()).containsExactly("good");
        assertThat(skipped()).anyMatch(m -> m.contains("shared") && m.contains("symmetric"));
    }

    @Test
    void aKeyForEncryptionIsSkipped() {
        server.serve(keySet(rsa("enc", RSA_2, null, "enc"), rsa("sig", RSA_1, null, "sig")));
        Jwks jwks = open(Jwks.builder(server.url()).refreshInterval(LONG));

        awaitTrue(() -> jwks.kids().contains("sig"));

        assertThat(jwks.kids()).containsExactly("sig");
    }

    @Test
    void closeStopsTheSchedulerAndNothingIsFetchedAfterwards() throws InterruptedException {
        server.serve(keySet(rsa("k1", RSA_1, null, null)));
        Jwks jwks = Jwks.builder(server.url()).refreshInterval(Duration.ofMillis(50))
                .minRefreshInterval(Duration.ofMillis(10)).build();
        awaitTrue(() -> server.fetches() >= 2);

        jwks.close();
        awaitTrue(jwks::isTerminated);
        Thread.sleep(300);                                  // a request sent just before close may still arrive
        int fetches = server.fetches();
        assertThat(jwks.algorithm("unknown")).isNull();
        Thread.sleep(200);

        assertThat(server.fetches()).isEqualTo(fetches);
        assertThat(jwks.algorithm("k1")).as("the last keys still answer").isNotNull();
    }

    @Test
    void buildRejectsInvalidSettingsWithMessagesThatNameThem() {
        URI url = URI.create("http://127.0.0.1:1/jwks.json");
        assertThatThrownBy(() -> Jwks.builder(url).refreshInterval(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("refreshInterval: PT-1S (expected: > 0)");
        assertThatThrownBy(() -> Jwks.builder(url).timeout(Duration.ZERO).build())
                .hasMessage("timeout: PT0S (expected: > 0)");
        assertThatThrownBy(() -> Jwks.builder(url).minRefreshInterval(Duration.ofMinutes(10)).build())
                .hasMessage("minRefreshInterval: PT10M (expected: <= refreshInterval PT5M)");
        assertThatThrownBy(() -> Jwks.builder(URI.create("file:///etc/jwks.json")).build())
                .hasMessage("jwksUrl: file:///etc/jwks.json (expected: an absolute http or https URL)");
    }

    // ----------------------------------------------------------------------------------------------------------

    private Jwks open(Jwks.Builder builder) {
        Jwks jwks = builder.build();
        opened.add(jwks);
        return jwks;
    }

    private static String verify(Jwks jwks, String token) {
        Algorithm algorithm = jwks.algorithm(JWT.decode(token).getKeyId());
        assertThat(algorithm).as("algorithm for the token's kid").isNotNull();
        return JWT.require(algorithm).build().verify(token).getSubject();
    }

    private List<LogRecord> warnings(String containing) {
        return logged.stream().filter(r -> r.getLevel() == Level.WARNING && r.getMessage().contains(containing))
                .toList();
    }

    private List<String> skipped() {
        return warnings("skipped").stream()
                .map(r -> Arrays.toString(r.getParameters())).toList();
    }

    private static void awaitTrue(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("condition met in time").isNegative();
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static KeyPair generate(String algorithm, String curve) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            if (curve == null) {
                generator.initialize(2048);
            } else {
                generator.initialize(new ECGenParameterSpec(curve));
            }
            return generator.generateKeyPair();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String keySet(String... jwks) {
        return "{\"keys\":[" + String.join(",", jwks) + "]}";
    }

    private static String rsa(String kid, KeyPair pair, String alg, String use) {
        RSAPublicKey key = (RSAPublicKey) pair.getPublic();
        return "{\"kty\":\"RSA\",\"kid\":\"" + kid + '"' + (alg == null ? "" : ",\"alg\":\"" + alg + '"')
                + (use == null ? "" : ",\"use\":\"" + use + '"')
                + ",\"n\":\"" + b64(unsigned(key.getModulus(), 0)) + "\",\"e\":\""
                + b64(unsigned(key.getPublicExponent(), 0)) + "\"}";
    }

    private static String rsaWithoutKid(KeyPair pair) {
        RSAPublicKey key = (RSAPublicKey) pair.getPublic();
        return "{\"kty\":\"RSA\",\"n\":\"" + b64(unsigned(key.getModulus(), 0)) + "\",\"e\":\""
                + b64(unsigned(key.getPublicExponent(), 0)) + "\"}";
    }

    private static String ec(String kid, KeyPair pair, String crv, String alg) {
        ECPublicKey key = (ECPublicKey) pair.getPublic();
        int size = (key.getParams().getCurve().getField().getFieldSize() + 7) / 8;
        return "{\"kty\":\"EC\",\"kid\":\"" + kid + "\",\"crv\":\"" + crv + '"'
                + (alg == null ? "" : ",\"alg\":\"" + alg + '"')
                + ",\"x\":\"" + b64(unsigned(key.getW().getAffineX(), size))
                + "\",\"y\":\"" + b64(unsigned(key.getW().getAffineY(), size)) + "\"}";
    }

    /** Returns the big-endian unsigned bytes of a number, left-padded with zeros to {@code size} when it is > 0. */
    private static byte[] unsigned(BigInteger number, int size) {
        byte[] bytes = number.toByteArray();
        if (bytes.length > 1 && bytes[0] == 0) {
            bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        if (size > bytes.length) {
            byte[] padded = new byte[size];
            System.arraycopy(bytes, 0, padded, size - bytes.length, bytes.length);
            return padded;
        }
        return bytes;
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** A JWKS endpoint on 127.0.0.1, port 0, that counts the fetches it answers and can fail or hang on demand. */
    private static final class JwksServer {

        private record Answer(int status, String body) {
        }

        private final HttpServer http;
        private final ExecutorService threads = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "jwks-test-server");
            thread.setDaemon(true);
            return thread;
        });
        private final AtomicReference<Answer> answer = new AtomicReference<>(new Answer(404, "{}"));
        private final AtomicInteger fetches = new AtomicInteger();
        private final CountDownLatch released = new CountDownLatch(1);
        private volatile boolean hanging;

        JwksServer() throws IOException {
            http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            http.setExecutor(threads);
            http.createContext("/jwks.json", exchange -> {
                fetches.incrementAndGet();
                try (exchange) {
                    if (hanging) {
                        released.await(30, TimeUnit.SECONDS);
                        return;
                    }
                    Answer now = answer.get();
                    byte[] body = now.body().getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().set("Content-Type", "application/json");
                    exchange.sendResponseHeaders(now.status(), body.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            http.start();
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/jwks.json");
        }

        void serve(String keySet) {
            answer(200, keySet);
        }

        void answer(int status, String body) {
            answer.set(new Answer(status, body));
        }

        void hang() {
            hanging = true;
        }

        int fetches() {
            return fetches.get();
        }

        void stop() {
            released.countDown();
            http.stop(0);
            threads.shutdownNow();
        }
    }
}
