package dev.portico.examples.mobile;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The demo's GATEWAY_TLS_PORT: TLS with HTTP/2 by ALPN on a self-signed localhost certificate, and h2c in cleartext. */
class DemoTlsTest {

    private static MobileDemo demo;

    @BeforeAll
    static void start() {
        demo = MobileDemo.start(new DemoConfig(0, Duration.ZERO, Duration.ofSeconds(2), null)
                .withTls(new DemoConfig.Tls(0, null, null)));
    }

    @AfterAll
    static void stop() {
        demo.close();
    }

    /** A context that accepts the demo's self-signed certificate, and nothing proves more here than its subject. */
    private static SSLContext acceptingSelfSigned() throws Exception {
        X509ExtendedTrustManager any = new X509ExtendedTrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
            }

            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
                check(chain);
            }

            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            }

            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
                check(chain);
            }

            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                check(chain);
            }

            private void check(X509Certificate[] chain) {
                assertThat(chain[0].getSubjectX500Principal().getName()).isEqualTo("CN=localhost");
                assertThat(chain[0].getIssuerX500Principal()).isEqualTo(chain[0].getSubjectX500Principal());
            }

            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new javax.net.ssl.TrustManager[] {any}, null);
        return context;
    }

    @Test
    void servesHttp2OverTlsWithASelfSignedLocalhostCertificate() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(acceptingSelfSigned()).build();

        HttpResponse<String> products = client.send(HttpRequest.newBuilder(
                URI.create("https://localhost:" + demo.tlsPort() + "/api/products")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(products.statusCode()).isEqualTo(200);
        assertThat(products.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(products.sslSession().orElseThrow().getProtocol()).isIn("TLSv1.3", "TLSv1.2");
        assertThat(products.body()).startsWith("[");
    }

    @Test
    void theCleartextPortAcceptsH2c() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();

        HttpResponse<String> products = client.send(HttpRequest.newBuilder(URI.create(demo.url() + "/api/products")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(products.statusCode()).isEqualTo(200);
        assertThat(products.version()).isEqualTo(HttpClient.Version.HTTP_2);
    }

    @Test
    void readsTheTlsVariables() {
        assertThat(DemoConfig.fromEnvironment(Map.of()).tls()).isNull();
        assertThat(DemoConfig.fromEnvironment(Map.of("GATEWAY_TLS_PORT", "8443")).tls())
                .isEqualTo(new DemoConfig.Tls(8443, null, null));
        assertThat(DemoConfig.fromEnvironment(Map.of("GATEWAY_TLS_PORT", "8443", "GATEWAY_TLS_CERT", "/c.pem",
                "GATEWAY_TLS_KEY", "/k.pem")).tls()).isEqualTo(new DemoConfig.Tls(8443, Path.of("/c.pem"), Path.of("/k.pem")));
        assertThatIllegalArgumentException().isThrownBy(() -> DemoConfig.fromEnvironment(Map.of("GATEWAY_TLS_PORT", "8443",
                "GATEWAY_TLS_CERT", "/c.pem"))).withMessageContaining("GATEWAY_TLS_KEY");
        assertThatIllegalArgumentException().isThrownBy(() -> DemoConfig.fromEnvironment(Map.of("GATEWAY_TLS_PORT", "x")))
                .withMessageContaining("GATEWAY_TLS_PORT");
    }

    @Test
    void aMissingCertificateFileFailsAtStartNamingIt() {
        assertThatIllegalArgumentException().isThrownBy(() -> MobileDemo.start(
                new DemoConfig(0, Duration.ZERO, Duration.ofSeconds(2), null)
                        .withTls(new DemoConfig.Tls(0, Path.of("/nonexistent/tls.crt"), Path.of("/nonexistent/tls.key")))))
                .withMessageContaining("/nonexistent/tls.crt");
    }
}
