package dev.portico.undertow.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

/**
 * Reads PEM files with the JDK alone: X.509 certificates, and private keys as PKCS#8 ({@code PRIVATE KEY}), PKCS#1
 * ({@code RSA PRIVATE KEY}) or SEC 1 ({@code EC PRIVATE KEY}), the two last rewrapped as PKCS#8. Every failure is an
 * {@link IllegalArgumentException} naming the file.
 */
final class Pem {

    /** rsaEncryption, 1.2.840.113549.1.1.1, with its NULL parameters. */
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
            (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    /** id-ecPublicKey, 1.2.840.10045.2.1, without its curve. */
    private static final byte[] EC_PUBLIC_KEY = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private Pem() {
    }

    /** Returns the certificates of a PEM file, the leaf first, as the file lists them. */
    static X509Certificate[] certificates(Path file) {
        try (var in = new ByteArrayInputStream(Files.readAllBytes(file))) {
            List<? extends Certificate> all = List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
            if (all.isEmpty()) {
                throw new IllegalArgumentException("no certificate in " + file);
            }
            return all.toArray(new X509Certificate[0]);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the certificates of " + file + ": " + e.getMessage(), e);
        }
    }

    /** Returns the private key of a PEM file, of this algorithm ({@code RSA}, {@code EC}, {@code EdDSA}). */
    static PrivateKey privateKey(Path file, String algorithm) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the private key " + file + ": " + e.getMessage(), e);
        }
        for (String label : new String[] {"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"}) {
            byte[] der = block(text, label);
            if (der == null) {
                continue;
            }
            try {
                byte[] pkcs8 = switch (label) {
                    case "RSA PRIVATE KEY" -> sequence(concat(new byte[] {0x02, 0x01, 0x00}, RSA_ALGORITHM, octets(der)));
                    case "EC PRIVATE KEY" -> sequence(concat(new byte[] {0x02, 0x01, 0x00},
                            sequence(concat(EC_PUBLIC_KEY, curve(der))), octets(der)));
                    default -> der;
                };
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            } catch (GeneralSecurityException | RuntimeException e) {
                throw new IllegalArgumentException("cannot read the " + algorithm + " private key of " + file
                        + " (expected: the key of the certificate, unencrypted): " + e.getMessage(), e);
            }
        }
        throw new IllegalArgumentException("no private key in " + file + " (expected: an unencrypted PEM block"
                + " 'PRIVATE KEY', 'RSA PRIVATE KEY' or 'EC PRIVATE KEY'"
                + (text.contains("ENCRYPTED") ? "; decrypt it first: openssl pkcs8 -topk8 -nocrypt" : "") + ')');
    }

    /** Returns the DER bytes of the first PEM block with this label, or {@code null}. */
    private static byte[] block(String text, String label) {
        String begin = "-----BEGIN " + label + "-----";
        int start = text.indexOf(begin);
        if (start < 0) {
            return null;
        }
        int end = text.indexOf("-----END " + label + "-----", start);
        if (end < 0) {
            return null;
        }
        return Base64.getMimeDecoder().decode(text.substring(start + begin.length(), end));
    }

    /** Returns the curve OID of a SEC 1 {@code ECPrivateKey}: its {@code [0]} parameters. */
    private static byte[] curve(byte[] sec1) {
        int[] at = {0};
        enter(sec1, at, 0x30);
        skip(sec1, at); // version
        skip(sec1, at); // the private key
        int length = enter(sec1, at, 0xa0);
        if (sec1[at[0]] != 0x06) {
            throw new IllegalArgumentException("no named curve");
        }
        return java.util.Arrays.copyOfRange(sec1, at[0], at[0] + length);
    }

    /** Steps into the element at {@code at}, which must have this tag; returns its length. */
    private static int enter(byte[] der, int[] at, int tag) {
        if (at[0] >= der.length || (der[at[0]] & 0xff) != tag) {
            throw new IllegalArgumentException("unexpected DER structure");
        }
        at[0]++;
        int length = der[at[0]++] & 0xff;
        if (length > 0x80) {
            int bytes = length - 0x80;
            length = 0;
            for (int i = 0; i < bytes; i++) {
                length = (length << 8) | (der[at[0]++] & 0xff);
            }
        }
        return length;
    }

    /** Steps over the element at {@code at}. */
    private static void skip(byte[] der, int[] at) {
        at[0] += enter(der, at, der[at[0]] & 0xff);
    }

    private static byte[] sequence(byte[] content) {
        return tagged(0x30, content);
    }

    private static byte[] octets(byte[] content) {
        return tagged(0x04, content);
    }

    private static byte[] tagged(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else {
            int bytes = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
            out.write(0x80 + bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(n >>> (8 * i));
            }
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
