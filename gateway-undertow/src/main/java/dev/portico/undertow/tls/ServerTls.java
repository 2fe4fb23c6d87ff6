package dev.portico.undertow.tls;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Where a TLS listener's certificate and key come from (a PKCS#12 or JKS key store, or PEM files) and which protocols
 * and cipher suites it offers: TLS 1.2 and 1.3 only. {@code build()} reads the files once to fail early, and each
 * {@link #context()} reads them again, which is how a server reloads its certificate.
 *
 * <pre>{@code
 * ServerTls tls = ServerTls.pem(Path.of("/etc/portico/tls.crt"), Path.of("/etc/portico/tls.key")).build();
 * PorticoServer.builder(gateway).port(8080).https(8443, tls).start();
 * }</pre>
 */
public final class ServerTls {

    /** The protocols offered by default: TLS 1.3 and 1.2. */
    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /**
     * The cipher suites offered by default, strongest first: TLS 1.3's, and for TLS 1.2 only ECDHE key exchange with
     * AEAD ciphers (forward secrecy, no CBC), as Mozilla's "intermediate" profile.
     */
    public static final List<String> DEFAULT_CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private static final Set<String> PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");

    private final Path keyStore;
    private final char[] password;
    private final Path certificate;
    private final Path privateKey;
    private final List<String> protocols;
    private final List<String> cipherSuites;

    private ServerTls(Builder b) {
        this.keyStore = b.keyStore;
        this.password = b.password;
        this.certificate = b.certificate;
        this.privateKey = b.privateKey;
        this.protocols = b.protocols;
        this.cipherSuites = b.cipherSuites;
    }

    /**
     * Returns a builder reading the certificate chain and key from a key store file, PKCS#12 or JKS (the type is
     * read from the file), whose store and key share this password.
     */
    public static Builder keyStore(Path file, char[] password) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(password, "password");
        return new Builder(file, password.clone(), null, null);
    }

    /**
     * Returns a builder reading the certificate chain (the leaf first) and its unencrypted private key from PEM files:
     * {@code PRIVATE KEY} (PKCS#8), {@code RSA PRIVATE KEY} or {@code EC PRIVATE KEY}.
     */
    public static Builder pem(Path certificateChain, Path privateKey) {
        return new Builder(null, null, Objects.requireNonNull(certificateChain, "certificateChain"),
                Objects.requireNonNull(privateKey, "privateKey"));
    }

    /** Returns the protocols offered, such as {@code TLSv1.3}. */
    public List<String> protocols() {
        return protocols;
    }

    /** Returns the cipher suites offered, in order of preference. */
    public List<String> cipherSuites() {
        return cipherSuites;
    }

    /**
     * Reads the files now and returns a new server context with their certificate; fails with an
     * {@link IllegalArgumentException} that names the file when one is missing or wrong.
     */
    public SSLContext context() {
        try {
            KeyStore store;
            char[] keyPassword;
            if (keyStore != null) {
                keyPassword = password;
                try {
                    store = KeyStore.getInstance(keyStore.toFile(), password);
                } catch (IOException | GeneralSecurityException e) {
                    throw new IllegalArgumentException("cannot read the key store " + keyStore + ": " + reason(e), e);
                }
                if (!hasKey(store)) {
                    throw new IllegalArgumentException("no private key entry in the key store " + keyStore);
                }
            } else {
                X509Certificate[] chain = Pem.certificates(certificate);
                keyPassword = new char[0];
                store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setKeyEntry("portico", Pem.privateKey(privateKey, chain[0].getPublicKey().getAlgorithm()),
                        keyPassword, chain);
            }
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            try {
                keys.init(store, keyPassword);
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("cannot read the key of " + (keyStore != null ? keyStore : privateKey)
                        + ": " + reason(e), e);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up TLS: " + reason(e), e);
        }
    }

    private static boolean hasKey(KeyStore store) throws GeneralSecurityException {
        for (String alias : java.util.Collections.list(store.aliases())) {
            if (store.isKeyEntry(alias)) {
                return true;
            }
        }
        return false;
    }

    private static String reason(Exception e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getMessage() == null) {
            cause = cause.getCause();
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    /** A builder of {@link ServerTls}. */
    public static final class Builder {

        private final Path keyStore;
        private final char[] password;
        private final Path certificate;
        private final Path privateKey;
        private List<String> protocols = DEFAULT_PROTOCOLS;
        private List<String> cipherSuites = DEFAULT_CIPHER_SUITES;

        private Builder(Path keyStore, char[] password, Path certificate, Path privateKey) {
            this.keyStore = keyStore;
            this.password = password;
            this.certificate = certificate;
            this.privateKey = privateKey;
        }

        /** Sets the protocols offered: {@code TLSv1.3}, {@code TLSv1.2} or both (default both). */
        public Builder protocols(String... protocols) {
            List<String> list = List.of(protocols);
            if (list.isEmpty() || !PROTOCOLS.containsAll(list)) {
                throw new IllegalArgumentException("protocols: " + list + " (expected: TLSv1.3, TLSv1.2 or both)");
            }
            this.protocols = list;
            return this;
        }

        /**
         * Sets the cipher suites offered, in order of preference, by their standard names (default
         * {@link ServerTls#DEFAULT_CIPHER_SUITES}).
         */
        public Builder cipherSuites(String... cipherSuites) {
            List<String> list = List.of(cipherSuites);
            if (list.isEmpty()) {
                throw new IllegalArgumentException("cipherSuites: [] (expected: at least one)");
            }
            this.cipherSuites = list;
            return this;
        }

        /**
         * Reads the files once, so that a missing or wrong one fails here with its name, and checks that every cipher
         * suite is known to the JDK and that one of them serves each protocol offered.
         */
        public ServerTls build() {
            if (keyStore != null && !Files.isReadable(keyStore)) {
                throw new IllegalArgumentException("key store: " + keyStore + " (expected: a readable file)");
            }
            for (Path file : new Path[] {certificate, privateKey}) {
                if (file != null && !Files.isReadable(file)) {
                    throw new IllegalArgumentException("PEM file: " + file + " (expected: a readable file)");
                }
            }
            ServerTls tls = new ServerTls(this);
            SSLContext context = tls.context();
            List<String> supported = Arrays.asList(context.getSupportedSSLParameters().getCipherSuites());
            for (String suite : cipherSuites) {
                if (!supported.contains(suite)) {
                    throw new IllegalArgumentException("cipher suite: " + suite + " (expected: one this JDK supports)");
                }
            }
            if (protocols.contains("TLSv1.3") && cipherSuites.stream().allMatch(s -> s.contains("_WITH_"))) {
                throw new IllegalArgumentException("cipherSuites: " + cipherSuites + " (expected: a TLS 1.3 suite, such as "
                        + "TLS_AES_128_GCM_SHA256, when TLSv1.3 is offered)");
            }
            if (protocols.contains("TLSv1.2") && cipherSuites.stream().noneMatch(s -> s.contains("_WITH_"))) {
                throw new IllegalArgumentException("cipherSuites: " + cipherSuites + " (expected: a TLS 1.2 suite, such as "
                        + "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, when TLSv1.2 is offered)");
            }
            return tls;
        }
    }
}
