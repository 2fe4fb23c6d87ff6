package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import dev.portico.undertow.tls.ServerTls;
import io.undertow.server.HttpServerExchange;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An HTTP/2 connection that has had no stream within the gateway's idle timeout of its accept gets a GOAWAY and is
 * closed, as Undertow closes one whose streams have all finished; a connection serving a stream, and HTTP/1.1, are
 * left alone. {@link RawH2} waits 10 s at most for each frame: a connection left open fails the test there.
 */
class Http2IdleTest {

    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(1);

    /** How the client reaches HTTP/2. */
    enum Transport { PRIOR_KNOWLEDGE, ALPN }

    @TempDir
    static Path dir;
    private static TestCertificates certificates;

    @AutoClose
    private final Closer closer = new Closer();
    private final CountDownLatch release = new CountDownLatch(1);
    private Backend backend;

    @BeforeAll
    static void certificates() throws Exception {
        certificates = TestCertificates.make(dir, "localhost", "RSA");
    }

    @BeforeEach
    void start() {
        backend = closer.add(Backend.startBlocking(this::serve));
    }

    /** The backend: /held answers once released, anything else at once. */
    private void serve(HttpServerExchange exchange) throws InterruptedException {
        if (exchange.getRequestPath().equals("/held")) {
            release.await(10, TimeUnit.SECONDS);
        }
        exchange.getResponseSender().send("ok " + exchange.getRequestPath());
    }

    private PorticoServer server(PorticoServer.Cleartext cleartext) {
        Gateway gateway = Gateway.builder().idleTimeout(IDLE_TIMEOUT)
                .route(Route.any("/**").to(Upstream.of("b", backend.url()))).build();
        return closer.add(PorticoServer.builder(gateway).port(0).cleartext(cleartext)
                .https(0, ServerTls.keyStore(certificates.keyStore(), TestCertificates.PASSWORD).build()).start());
    }

    /** Connects with the preface and an empty SETTINGS frame. */
    private RawH2 connect(Transport transport, PorticoServer server) throws Exception {
        return closer.add(transport == Transport.ALPN
                ? new RawH2(server.httpsPort(), TestCertificates.trusting(certificates))
                : new RawH2(server.port(), null));
    }

    /** Reads frames until the server closes the connection, and returns the GOAWAY it sent, or null. */
    private static RawH2.Frame goAwayBeforeClose(RawH2 h2) throws IOException {
        RawH2.Frame goAway = null;
        try {
            while (true) {
                RawH2.Frame frame = h2.read();
                if (frame.type() == RawH2.GOAWAY) {
                    goAway = frame;
                }
            }
        } catch (EOFException closed) {
            return goAway;
        }
    }

    /** Returns a GOAWAY's error code. */
    private static int errorCode(RawH2.Frame goAway) {
        byte[] p = goAway.payload();
        return (p[4] & 0xff) << 24 | (p[5] & 0xff) << 16 | (p[6] & 0xff) << 8 | p[7] & 0xff;
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void closesAConnectionThatSendsOnlyItsSettings(Transport transport) throws Exception {
        RawH2 h2 = connect(transport, server(PorticoServer.Cleartext.SERVE));

        RawH2.Frame goAway = goAwayBeforeClose(h2);

        assertThat(goAway).isNotNull();
        assertThat(errorCode(goAway)).isZero(); // NO_ERROR
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void closesAConnectionWhoseFirstHeaderBlockNeverEnds(Transport transport) throws Exception {
        RawH2 h2 = connect(transport, server(PorticoServer.Cleartext.SERVE));
        for (RawH2.Frame f = h2.read(); f.type() != RawH2.SETTINGS || (f.flags() & 1) != 0; f = h2.read()) {
            // the server's settings are acknowledged as read: nothing but a CONTINUATION may follow the HEADERS
        }
        h2.frame(RawH2.HEADERS, 0, 1, new byte[] {(byte) 0x82}); // :method GET, no END_HEADERS

        RawH2.Frame goAway = goAwayBeforeClose(h2);

        assertThat(goAway).isNotNull();
        assertThat(errorCode(goAway)).isZero();
    }

    @Test
    void closesAnUnusedConnectionOnARedirectingListenerToo() throws Exception {
        RawH2 h2 = connect(Transport.PRIOR_KNOWLEDGE, server(PorticoServer.Cleartext.REDIRECT));

        assertThat(goAwayBeforeClose(h2)).isNotNull();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void keepsAConnectionWhoseStreamOutlastsTheIdleTimeout(Transport transport) throws Exception {
        RawH2 h2 = connect(transport, server(PorticoServer.Cleartext.SERVE));
        h2.headers(1, true, ":method", "GET", ":scheme", transport == Transport.ALPN ? "https" : "http",
                ":authority", "localhost", ":path", "/held");

        Thread.sleep(3 * IDLE_TIMEOUT.toMillis());
        release.countDown();

        assertThat(h2.body(1)).isEqualTo("ok /held");
        assertThat(h2.goaway).isNull();
    }

    @Test
    void keepsABusyHttp11KeepAliveConnectionOpen() throws Exception {
        PorticoServer server = server(PorticoServer.Cleartext.SERVE);
        release.countDown();
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            long end = System.nanoTime() + 3 * IDLE_TIMEOUT.toNanos();
            int served = 0;
            while (System.nanoTime() < end) {
                String request = "GET /r" + served + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
                out.write(request.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                RawHttp.Reply reply = RawHttp.read(in);
                assertThat(reply.status()).isEqualTo(200);
                assertThat(reply.body()).isEqualTo("ok /r" + served);
                served++;
                Thread.sleep(IDLE_TIMEOUT.toMillis() / 4);
            }
            assertThat(served).isGreaterThan(4);
        }
    }
}
