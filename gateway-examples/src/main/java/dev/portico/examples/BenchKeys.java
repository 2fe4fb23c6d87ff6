package dev.portico.examples;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import dev.portico.core.auth.JwtAuth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;

/**
 * Keys for benchmarking asymmetric JWT verification: {@code bench-keys FILE RS256|ES256} writes a new public key to
 * FILE as PEM and prints a token signed with its private key; {@code BENCH_JWT_KEY=FILE} makes the bench proxy
 * require such tokens.
 */
final class BenchKeys {

    private BenchKeys() {
    }

    /** Writes a new key pair's public key to {@code file} and returns a token valid for an hour signed with it. */
    static String create(Path file, String algorithm) {
        try {
            KeyPair pair;
            Algorithm signer;
            if (algorithm.equals("RS256")) {
                KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
                generator.initialize(2048);
                pair = generator.generateKeyPair();
                signer = Algorithm.RSA256((RSAPublicKey) pair.getPublic(), (RSAPrivateKey) pair.getPrivate());
            } else if (algorithm.equals("ES256")) {
                KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
                generator.initialize(new ECGenParameterSpec("secp256r1"));
                pair = generator.generateKeyPair();
                signer = Algorithm.ECDSA256((ECPublicKey) pair.getPublic(), (ECPrivateKey) pair.getPrivate());
            } else {
                throw new IllegalArgumentException("algorithm: " + algorithm + " (expected: RS256 or ES256)");
            }
            String pem = "-----BEGIN PUBLIC KEY-----\n"
                    + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pair.getPublic().getEncoded())
                    + "\n-----END PUBLIC KEY-----\n";
            Files.writeString(file, pem, StandardCharsets.US_ASCII);
            return JWT.create().withSubject("bench").withExpiresAt(Instant.now().plusSeconds(3600)).sign(signer);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Returns a JWT filter that requires tokens signed with the private half of the PEM public key in {@code file}. */
    static JwtAuth verifier(Path file) {
        return verifier(file, 10_000);
    }

    /** The same, remembering at most {@code cacheSize} verified tokens (0: verifying every request's token). */
    static JwtAuth verifier(Path file, int cacheSize) {
        try {
            String pem = Files.readString(file, StandardCharsets.US_ASCII);
            byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
            PublicKey key = decode(der);
            return key instanceof RSAPublicKey rsa ? JwtAuth.builder().rs256(rsa).cacheSize(cacheSize).build()
                    : JwtAuth.builder().es256((ECPublicKey) key).cacheSize(cacheSize).build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static PublicKey decode(byte[] der) {
        for (String type : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next type
            }
        }
        throw new IllegalArgumentException("BENCH_JWT_KEY: not an RSA or EC public key in PEM");
    }
}
