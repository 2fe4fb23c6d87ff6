package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import dev.portico.undertow.tls.ServerTls;
import dev.portico.undertow.tls.UpstreamTls;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xnio.Options;
import org.xnio.SslClientAuthMode;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proxying to {@code https} upstreams: real TLS backends, trusted or not, asking for a client certificate or not, and
 * a WebSocket relayed to one ({@code wss://}).
 */
class UpstreamTlsTest {

    @TempDir
    static Path dir;
    private static TestCertificates upstream;
    private static TestCertificates gatewayClient;
    private static TestCertificates elsewhere;

    @AutoClose
    private final Closer closer = new Closer();
    private final List<String> serverNames = new CopyOnWriteArrayList<>();
    private final List<String> clientSubjects = new CopyOnWriteArrayList<>();
    private PorticoServer server;

    @BeforeAll
    static void certificates() throws Exception {
        upstream = TestCertificates.make(dir, "localhost", "RSA");
        gatewayClient = TestCertificates.make(dir, "gateway", "EC");
        elsewhere = TestCertificates.make(dir, "elsewhere", "RSA", "dns:elsewhere.example");
    }

    /** Starts a TLS backend with this certificate that records the SNI name and the client certificate it got. */
    private int backend(TestCertificates certificate, boolean requireClientCertificate) throws Exception {
        SSLContext context = ServerTls.keyStore(certificate.keyStore(), TestCertificates.PASSWORD).build().context();
        if (requireClientCertificate) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("gateway", gatewayClient.x509());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(KeyStore.getInstance(certificate.keyStore().toFile(), TestCertificates.PASSWORD), TestCertificates.PASSWORD);
            context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        }
        Undertow server = Undertow.builder().addHttpsListener(0, "127.0.0.1", context)
                .setSocketOption(Options.SSL_CLIENT_AUTH_MODE,
                        requireClientCertificate ? SslClientAuthMode.REQUIRED : SslClientAuthMode.NOT_REQUESTED)
                .setHandler(exchange -> {
                    SSLSession session = exchange.getConnection().getSslSessionInfo().getSSLSession();
                    if (session instanceof ExtendedSSLSession extended) {
                        extended.getRequestedServerNames().forEach(n -> serverNames.add(((SNIHostName) n).getAsciiName()));
                    }
                    if (requireClientCertificate) {
                        clientSubjects.add(((java.security.cert.X509Certificate) session.getPeerCertificates()[0])
                                .getSubjectX500Principal().getName());
                    }
                    exchange.getResponseSender().send("secure " + exchange.getRequestPath());
                }).build();
        server.start();
        closer.add(server::stop);
        return ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
    }

    private RawHttp.Reply get(String url, UpstreamTls tls) throws Exception {
        PorticoServer.Builder builder = PorticoServer.builder(Gateway.builder()
                .route(Route.any("/**").to(Upstream.of("secure", url))).build()).port(0);
        if (tls != null) {
            builder.upstreamTls(tls);
        }
        PorticoServer server = closer.add(builder.start());
        this.server = server;
        RawHttp.Reply first = RawHttp.send(server.port(), "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        RawHttp.Reply second = RawHttp.send(server.port(), "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(second.status()).isEqualTo(first.status()); // a pooled TLS connection behaves as a new one
        return first;
    }

    @Test
    void proxiesToAnHttpsUpstreamVerifiedAgainstTheConfiguredTrustWithSni() throws Exception {
        int port = backend(upstream, false);

        RawHttp.Reply reply = get("https://localhost:" + port, UpstreamTls.builder()
                .trustCertificates(upstream.certificate()).build());

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo("secure /a");
        assertThat(serverNames).contains("localhost");
        assertThat(server.upstreamClient().send(server.gateway().upstreams().get(0).endpoints().get(0),
                dev.portico.core.Request.builder("GET", "/health").header("Host", "localhost").build(),
                new dev.portico.core.spi.CallOptions("secure", java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(2), 0)).toCompletableFuture().get().status())
                .as("a call outside client requests, such as a health check").isEqualTo(200);
    }

    @Test
    void refusesAnUpstreamTheJdkTrustStoreDoesNotTrustWith502() throws Exception {
        int port = backend(upstream, false);

        RawHttp.Reply reply = get("https://localhost:" + port, null);

        assertThat(reply.status()).isEqualTo(502);
        assertThat(reply.body()).contains("\"error\":\"bad_gateway\"").doesNotContain("SSL", "Exception");
    }

    @Test
    void refusesACertificateForAnotherHostWith502() throws Exception {
        int port = backend(elsewhere, false);

        RawHttp.Reply reply = get("https://localhost:" + port, UpstreamTls.builder()
                .trustCertificates(elsewhere.certificate()).build());

        assertThat(reply.status()).isEqualTo(502);
    }

    @Test
    void presentsTheClientCertificateToAnUpstreamThatRequiresOne() throws Exception {
        int port = backend(upstream, true);
        UpstreamTls trustOnly = UpstreamTls.builder().trustCertificates(upstream.certificate()).build();
        UpstreamTls mutual = UpstreamTls.builder().trustCertificates(upstream.certificate())
                .clientCertificate(gatewayClient.certificate(), gatewayClient.privateKey()).build();

        RawHttp.Reply without = get("https://localhost:" + port, trustOnly);
        RawHttp.Reply with = get("https://localhost:" + port, mutual);

        assertThat(without.status()).isEqualTo(502);
        assertThat(with.status()).isEqualTo(200);
        assertThat(clientSubjects).contains("CN=gateway");
    }

    @Test
    void relaysAWebSocketToAnHttpsUpstreamOverTls() throws Exception {
        SSLContext context = ServerTls.keyStore(upstream.keyStore(), TestCertificates.PASSWORD).build().context();
        Undertow backend = Undertow.builder().addHttpsListener(0, "127.0.0.1", context)
                .setHandler(Handlers.websocket((exchange, channel) -> {
                    channel.getReceiveSetter().set(new AbstractReceiveListener() {
                        @Override
                        protected void onFullTextMessage(WebSocketChannel from, BufferedTextMessage message) {
                            WebSockets.sendText("secure " + message.getData(), from, null);
                        }
                    });
                    channel.resumeReceives();
                })).build();
        backend.start();
        closer.add(backend::stop);
        int port = ((InetSocketAddress) backend.getListenerInfo().get(0).getAddress()).getPort();
        PorticoServer server = closer.add(PorticoServer.builder(Gateway.builder()
                        .route(Route.get("/live").webSocket().to(Upstream.of("secure", "https://localhost:" + port))).build())
                .port(0).upstreamTls(UpstreamTls.builder().trustCertificates(upstream.certificate()).build()).start());
        BlockingQueue<String> received = new LinkedBlockingQueue<>();

        java.net.http.WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/live"), new java.net.http.WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(java.net.http.WebSocket webSocket, CharSequence data, boolean last) {
                        received.add(data.toString());
                        webSocket.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        socket.sendText("hello", true).get(10, TimeUnit.SECONDS);

        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("secure hello"); // the backend listens with TLS only
        socket.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
    }
}
