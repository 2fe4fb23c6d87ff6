package dev.portico.undertow;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Base64;

/** Self-signed certificates for tests, made by the JDK's keytool, as a PKCS#12 key store and as PEM files. */
final class TestCertificates {

    public static final char[] PASSWORD = "changeit".toCharArray();

    private final Path keyStore;
    private final Path certificate;
    private final Path privateKey;

    private TestCertificates(Path keyStore, Path certificate, Path privateKey) {
        this.keyStore = keyStore;
        this.certificate = certificate;
        this.privateKey = privateKey;
    }

    /** Makes a key store for {@code localhost} and 127.0.0.1 with this common name, and its PEM files, in {@code dir}. */
    public static TestCertificates make(Path dir, String commonName, String keyAlgorithm) throws Exception {
        return make(dir, commonName, keyAlgorithm, "dns:localhost,ip:127.0.0.1");
    }

    /** Makes a key store with these subject alternative names ({@code dns:name,ip:address}), and its PEM files. */
    public static TestCertificates make(Path dir, String commonName, String keyAlgorithm, String names) throws Exception {
        Path store = dir.resolve(commonName + ".p12");
        Files.deleteIfExists(store);
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", keyAlgorithm, "-validity", "2", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", new String(PASSWORD), "-dname", "CN=" + commonName,
                "-ext", "SAN=" + names).redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (keytool.waitFor() != 0) {
            throw new IllegalStateException("keytool failed: " + output);
        }
        KeyStore ks = KeyStore.getInstance(store.toFile(), PASSWORD);
        Certificate cert = ks.getCertificate("server");
        PrivateKey key = (PrivateKey) ks.getKey("server", PASSWORD);
        Path certPem = dir.resolve(commonName + ".crt");
        Path keyPem = dir.resolve(commonName + ".key");
        Files.writeString(certPem, pem("CERTIFICATE", cert.getEncoded()));
        Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()));
        return new TestCertificates(store, certPem, keyPem);
    }

    public static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    public Path keyStore() {
        return keyStore;
    }

    public Path certificate() {
        return certificate;
    }

    public Path privateKey() {
        return privateKey;
    }

    /** Returns the PKCS#1 form of an RSA key's PKCS#8 file: the content of its last OCTET STRING. */
    public byte[] pkcs1() throws IOException {
        String text = Files.readString(privateKey);
        byte[] der = Base64.getMimeDecoder().decode(text.replaceAll("-----[A-Z ]+-----", ""));
        // SEQUENCE { INTEGER 0, SEQUENCE { OID, NULL }, OCTET STRING { pkcs1 } }: find the OCTET STRING after the
        // algorithm identifier
        int at = header(der, 0)[0];
        at = skip(der, at); // version
        at = skip(der, at); // algorithm
        int[] octets = header(der, at);
        return java.util.Arrays.copyOfRange(der, octets[0], octets[0] + octets[1]);
    }

    private static int[] header(byte[] der, int at) {
        int length = der[at + 1] & 0xff;
        int start = at + 2;
        if (length > 0x80) {
            int bytes = length - 0x80;
            length = 0;
            for (int i = 0; i < bytes; i++) {
                length = (length << 8) | (der[start++] & 0xff);
            }
        }
        return new int[] {start, length};
    }

    private static int skip(byte[] der, int at) {
        int[] h = header(der, at);
        return h[0] + h[1];
    }

    /** Returns this certificate. */
    public X509Certificate x509() throws Exception {
        try (var in = Files.newInputStream(certificate)) {
            return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** Returns a client context that trusts these certificates only. */
    public static SSLContext trusting(TestCertificates... all) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        for (int i = 0; i < all.length; i++) {
            trust.setCertificateEntry("server" + i, all[i].x509());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }
}
