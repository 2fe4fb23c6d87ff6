package dev.portico.undertow;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import dev.portico.undertow.tls.ServerTls;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TlsTest {

    @TempDir
    static Path dir;
    private static TestCertificates first;
    private static TestCertificates second;

    @AutoClose
    private final Closer closer = new Closer();
    private Backend backend;
    private Gateway.Builder gateway;

    @BeforeAll
    static void certificates() throws Exception {
        first = TestCertificates.make(dir, "first", "RSA");
        second = TestCertificates.make(dir, "second", "EC");
    }

    @BeforeEach
    void start() {
        backend = closer.add(Backend.start(new EchoHandler()));
        gateway = Gateway.builder().route(Route.any("/**").to(Upstream.of("echo", backend.url())));
    }

    private PorticoServer serve(ServerTls tls) {
        return closer.add(PorticoServer.builder(gateway.build()).port(0).https(0, tls).start());
    }

    private static HttpResponse<String> get(SSLContext trust, String url) throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(trust).version(HttpClient.Version.HTTP_1_1).build();
        return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String header(HttpResponse<String> echo, String name) {
        JsonObject headers = JsonParser.parseString(echo.body()).getAsJsonObject().getAsJsonObject("headers");
        return headers.getAsJsonArray(name).get(0).getAsString();
    }

    private static String served(HttpResponse<?> response) throws Exception {
        X509Certificate cert = (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
        return cert.getSubjectX500Principal().getName();
    }

    @Test
    void servesHttpsFromAPkcs12KeyStoreAndTellsTheUpstreamTheScheme() throws Exception {
        PorticoServer server = serve(ServerTls.keyStore(first.keyStore(), TestCertificates.PASSWORD).build());

        HttpResponse<String> echo = get(TestCertificates.trusting(first), "https://localhost:" + server.httpsPort() + "/x");

        assertThat(echo.statusCode()).isEqualTo(200);
        assertThat(served(echo)).isEqualTo("CN=first");
        assertThat(header(echo, "x-forwarded-proto")).isEqualTo("https");
        assertThat(header(echo, "x-forwarded-port")).isEqualTo(Integer.toString(server.httpsPort()));
        assertThat(header(echo, "forwarded")).contains("proto=https");
    }

    @Test
    void servesHttpsFromPemFilesAndCleartextOnTheOtherPortAtOnce() throws Exception {
        PorticoServer server = serve(ServerTls.pem(second.certificate(), second.privateKey()).build());

        HttpResponse<String> secure = get(TestCertificates.trusting(second), "https://localhost:" + server.httpsPort() + "/x");
        HttpResponse<String> plain = get(TestCertificates.trusting(second), "http://localhost:" + server.port() + "/x");

        assertThat(served(secure)).isEqualTo("CN=second");
        assertThat(header(secure, "x-forwarded-proto")).isEqualTo("https");
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(header(plain, "x-forwarded-proto")).isEqualTo("http");
    }

    @Test
    void readsAnRsaPrivateKeyInPkcs1Form() throws Exception {
        Path pkcs1 = dir.resolve("pkcs1.key");
        Files.writeString(pkcs1, TestCertificates.pem("RSA PRIVATE KEY", first.pkcs1()));
        PorticoServer server = serve(ServerTls.pem(first.certificate(), pkcs1).build());

        assertThat(served(get(TestCertificates.trusting(first), "https://localhost:" + server.httpsPort() + "/")))
                .isEqualTo("CN=first");
    }

    @Test
    void reloadsTheCertificateForNewConnectionsWithoutARestart() throws Exception {
        Path cert = dir.resolve("live.crt");
        Path key = dir.resolve("live.key");
        Files.copy(first.certificate(), cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(first.privateKey(), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        PorticoServer server = serve(ServerTls.pem(cert, key).build());
        SSLContext trust = TestCertificates.trusting(first, second);
        String url = "https://localhost:" + server.httpsPort() + "/";
        assertThat(served(get(trust, url))).isEqualTo("CN=first");

        Files.copy(second.certificate(), cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(second.privateKey(), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        server.reloadTls();

        assertThat(served(get(trust, url))).isEqualTo("CN=second");
    }

    @Test
    void aFailedReloadNamesTheFileAndKeepsThePreviousCertificate() throws Exception {
        Path cert = dir.resolve("broken.crt");
        Files.copy(first.certificate(), cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        PorticoServer server = serve(ServerTls.pem(cert, first.privateKey()).build());
        Files.writeString(cert, "not a certificate");

        assertThatThrownBy(server::reloadTls).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(cert.toString());
        assertThat(served(get(TestCertificates.trusting(first), "https://localhost:" + server.httpsPort() + "/")))
                .isEqualTo("CN=first");
    }

    @Test
    void offersOnlyTls12And13WithForwardSecretAeadCiphers() throws Exception {
        PorticoServer server = serve(ServerTls.keyStore(first.keyStore(), TestCertificates.PASSWORD).build());

        assertThat(handshake(server, "TLSv1.3", null)).isEqualTo("TLSv1.3");
        assertThat(handshake(server, "TLSv1.2", null)).isEqualTo("TLSv1.2");
        assertThatThrownBy(() -> handshake(server, "TLSv1.1", null)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> handshake(server, "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"))
                .isInstanceOf(SSLHandshakeException.class);
        assertThatThrownBy(() -> handshake(server, "TLSv1.2", "TLS_RSA_WITH_AES_128_GCM_SHA256"))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void restrictsProtocolsAndCiphersAsConfigured() throws Exception {
        PorticoServer server = serve(ServerTls.keyStore(first.keyStore(), TestCertificates.PASSWORD)
                .protocols("TLSv1.3").cipherSuites("TLS_AES_256_GCM_SHA384").build());

        assertThat(handshake(server, "TLSv1.3", "TLS_AES_256_GCM_SHA384")).isEqualTo("TLSv1.3");
        assertThatThrownBy(() -> handshake(server, "TLSv1.3", "TLS_AES_128_GCM_SHA256")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> handshake(server, "TLSv1.2", null)).isInstanceOf(IOException.class);
    }

    /** Returns the protocol a handshake with only this protocol (and cipher suite) enabled agreed on. */
    private static String handshake(PorticoServer server, String protocol, String suite) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", server.httpsPort())) {
            socket.setSoTimeout(5000);
            socket.setEnabledProtocols(new String[] {protocol});
            if (suite != null) {
                socket.setEnabledCipherSuites(new String[] {suite});
            }
            socket.startHandshake();
            return socket.getSession().getProtocol();
        }
    }

    @Test
    void failsAtBuildNamingAMissingOrWrongFile() throws Exception {
        Path missing = dir.resolve("missing.key");
        Path noKey = dir.resolve("nokey.pem");
        Files.writeString(noKey, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");

        assertThatThrownBy(() -> ServerTls.pem(first.certificate(), missing).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(missing.toString());
        assertThatThrownBy(() -> ServerTls.pem(first.certificate(), first.certificate()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no private key in " + first.certificate());
        assertThatThrownBy(() -> ServerTls.pem(noKey, first.privateKey()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(noKey.toString());
        assertThatThrownBy(() -> ServerTls.pem(second.certificate(), first.privateKey()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(first.privateKey().toString());
        assertThatThrownBy(() -> ServerTls.keyStore(first.keyStore(), "wrong".toCharArray()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(first.keyStore().toString());
        assertThatThrownBy(() -> ServerTls.keyStore(first.keyStore(), TestCertificates.PASSWORD).protocols("TLSv1.1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TLSv1.1");
        assertThatThrownBy(() -> ServerTls.keyStore(first.keyStore(), TestCertificates.PASSWORD)
                .cipherSuites("TLS_NO_SUCH_SUITE").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TLS_NO_SUCH_SUITE");
    }

    @Test
    void redirectsCleartextRequestsToTheSameTargetOverHttps() throws Exception {
        PorticoServer server = closer.add(PorticoServer.builder(gateway.build()).port(0)
                .https(0, ServerTls.keyStore(first.keyStore(), TestCertificates.PASSWORD).build())
                .cleartext(PorticoServer.Cleartext.REDIRECT).start());

        RawHttp.Reply reply = RawHttp.send(server.port(), "POST /a/b%20c?q=1 HTTP/1.1\r\nHost: api.example:80\r\n"
                + "Content-Length: 0\r\n\r\n");
        RawHttp.Reply forged = RawHttp.send(server.port(), "GET / HTTP/1.1\r\nHost: evil_example\r\n\r\n");

        assertThat(reply.status()).isEqualTo(308);
        assertThat(reply.headers().get("location"))
                .isEqualTo("https://api.example:" + server.httpsPort() + "/a/b%20c?q=1");
        assertThat(forged.status()).isEqualTo(308);
        assertThat(forged.headers().get("location")).isEqualTo("https://127.0.0.1:" + server.httpsPort() + "/");
    }

    @Test
    void closesAConnectionThatNeverFinishesItsHandshake() throws Exception {
        PorticoServer server = closer.add(PorticoServer.builder(gateway.requestHeaderTimeout(Duration.ofMillis(300)).build())
                .port(0).https(0, ServerTls.keyStore(first.keyStore(), TestCertificates.PASSWORD).build()).start());

        try (Socket silent = new Socket("127.0.0.1", server.httpsPort())) {
            silent.setSoTimeout(10_000); // a connection left open fails the test with a SocketTimeoutException
            assertThat(silent.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(get(TestCertificates.trusting(first), "https://localhost:" + server.httpsPort() + "/").statusCode())
                .isEqualTo(200);
    }

    @Test
    void servesHttpsOnlyWhenAsked() throws Exception {
        PorticoServer server = closer.add(PorticoServer.builder(gateway.build()).port(0)
                .https(0, ServerTls.keyStore(first.keyStore(), TestCertificates.PASSWORD).build())
                .cleartext(PorticoServer.Cleartext.NONE).start());

        assertThat(server.port()).isEqualTo(-1);
        assertThat(get(TestCertificates.trusting(first), "https://localhost:" + server.httpsPort() + "/").statusCode())
                .isEqualTo(200);
    }
}
