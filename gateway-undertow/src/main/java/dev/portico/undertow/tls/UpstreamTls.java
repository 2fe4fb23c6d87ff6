package dev.portico.undertow.tls;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How the gateway verifies {@code https} upstreams, and the certificate it presents to those that ask for one
 * (mutual TLS): certificates are verified against the JDK's trust store unless others are given, the host name is
 * checked and sent as SNI, and only TLS 1.2 and 1.3 are spoken.
 *
 * <pre>{@code
 * UpstreamTls tls = UpstreamTls.builder().trustCertificates(Path.of("/etc/portico/internal-ca.pem"))
 *         .clientCertificate(Path.of("/etc/portico/gateway.crt"), Path.of("/etc/portico/gateway.key")).build();
 * PorticoServer.builder(gateway).upstreamTls(tls).start();
 * }</pre>
 */
public final class UpstreamTls {

    private final SSLContext context;

    private UpstreamTls(SSLContext context) {
        this.context = context;
    }

    /** Returns a builder: the JDK's trust store and no client certificate until told otherwise. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the client context built from the files read at {@code build()}. */
    public SSLContext context() {
        return context;
    }

    /** A builder of {@link UpstreamTls}. */
    public static final class Builder {

        private final List<Path> trusted = new ArrayList<>();
        private Path trustStore;
        private char[] trustStorePassword;
        private Path certificate;
        private Path privateKey;
        private Path keyStore;
        private char[] keyStorePassword;

        private Builder() {
        }

        /** Trusts the certificates of this PEM file (a private CA, a self-signed upstream) instead of the JDK's. */
        public Builder trustCertificates(Path pem) {
            trusted.add(Objects.requireNonNull(pem, "pem"));
            return this;
        }

        /** Trusts the certificates of this key store, PKCS#12 or JKS, instead of the JDK's. */
        public Builder trustStore(Path file, char[] password) {
            this.trustStore = Objects.requireNonNull(file, "file");
            this.trustStorePassword = Objects.requireNonNull(password, "password").clone();
            return this;
        }

        /** Presents this certificate chain and unencrypted key (PEM) to upstreams that ask for a client certificate. */
        public Builder clientCertificate(Path certificateChain, Path privateKey) {
            this.certificate = Objects.requireNonNull(certificateChain, "certificateChain");
            this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
            return this;
        }

        /** Presents the key and certificate of this key store, PKCS#12 or JKS, to upstreams that ask for one. */
        public Builder clientKeyStore(Path file, char[] password) {
            this.keyStore = Objects.requireNonNull(file, "file");
            this.keyStorePassword = Objects.requireNonNull(password, "password").clone();
            return this;
        }

        /** Reads the files, failing with a message that names a missing or wrong one. */
        public UpstreamTls build() {
            try {
                TrustManager[] trust = null;
                if (!trusted.isEmpty() || trustStore != null) {
                    KeyStore store = trustStore != null ? load(trustStore, trustStorePassword) : empty();
                    int n = 0;
                    for (Path pem : trusted) {
                        for (X509Certificate cert : Pem.certificates(pem)) {
                            store.setCertificateEntry("trusted-" + n++, cert);
                        }
                    }
                    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                    factory.init(store);
                    trust = factory.getTrustManagers();
                }
                KeyManager[] keys = null;
                if (certificate != null || keyStore != null) {
                    KeyStore store;
                    char[] password;
                    if (keyStore != null) {
                        store = load(keyStore, keyStorePassword);
                        password = keyStorePassword;
                    } else {
                        X509Certificate[] chain = Pem.certificates(certificate);
                        store = empty();
                        password = new char[0];
                        store.setKeyEntry("client", Pem.privateKey(privateKey, chain[0].getPublicKey().getAlgorithm()),
                                password, chain);
                    }
                    KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                    factory.init(store, password);
                    keys = factory.getKeyManagers();
                }
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(keys, trust, null);
                return new UpstreamTls(context);
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalArgumentException("cannot set up TLS to upstreams: " + e.getMessage(), e);
            }
        }

        private static KeyStore load(Path file, char[] password) {
            try {
                return KeyStore.getInstance(file.toFile(), password);
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalArgumentException("cannot read the key store " + file + ": " + e.getMessage(), e);
            }
        }

        private static KeyStore empty() throws GeneralSecurityException, IOException {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            return store;
        }
    }
}
