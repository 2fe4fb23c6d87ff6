package dev.portico.core.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** SHA-256 digests from a prototype cloned per call, so no call pays for a provider lookup. */
public final class Digests {

    private static final MessageDigest SHA_256;

    static {
        try {
            SHA_256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Digests() {
    }

    /** Returns the SHA-256 digest of these bytes. */
    public static byte[] sha256(byte[] bytes) {
        MessageDigest digest;
        try {
            digest = (MessageDigest) SHA_256.clone();
        } catch (CloneNotSupportedException e) {
            digest = fresh();
        }
        return digest.digest(bytes);
    }

    /** Returns {@code #} and the unpadded base64url SHA-256 digest of a string's UTF-8 bytes: a short stand-in key. */
    public static String sha256Key(String text) {
        return "#" + Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static MessageDigest fresh() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
