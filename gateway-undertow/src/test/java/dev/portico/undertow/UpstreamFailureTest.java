package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Upstreams that misbehave at the socket level: the gateway answers JSON and keeps serving. */
class UpstreamFailureTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private PorticoServer gateway;

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) {
            gateway.stop(Duration.ZERO);
        }
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    private HttpResponse<String> get(Route.Builder route) throws Exception {
        gateway = PorticoServer.start(Gateway.builder().route(route).build(), "127.0.0.1", 0);
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/x"))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A TCP server that accepts each connection, reads a little and closes it with a reset. */
    private int resettingUpstream() throws IOException {
        ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        resources.add(server);
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket socket = server.accept()) {
                    socket.getInputStream().read(new byte[1024]);
                    socket.setSoLinger(true, 0); // RST instead of FIN
                } catch (IOException e) {
                    return;
                }
            }
        }, "resetting-upstream");
        acceptor.setDaemon(true);
        acceptor.start();
        return server.getLocalPort();
    }

    @Test
    void connectionResetBeforeTheResponseIs502Json() throws Exception {
        int port = resettingUpstream();

        HttpResponse<String> response = get(Route.any("/**").to(Upstream.of("flaky", "http://127.0.0.1:" + port)));

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).startsWith("{\"error\":\"bad_gateway\"").contains("flaky")
                .doesNotContain("127.0.0.1").doesNotContain("Exception");
    }

    @Test
    void upstreamThatNeverAcceptsIs504AfterTheConnectTimeout() throws Exception {
        ServerSocket full = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()); // never accepts
        resources.add(full);
        for (int i = 0; i < 8; i++) { // fill the accept queue, so further SYNs go unanswered
            Socket filler = new Socket();
            resources.add(filler);
            try {
                filler.connect(new InetSocketAddress("127.0.0.1", full.getLocalPort()), 200);
            } catch (IOException queueAlreadyFull) {
                break;
            }
        }

        HttpResponse<String> response = get(Route.any("/**").connectTimeout(Duration.ofMillis(300))
                .to(Upstream.of("stuck", "http://127.0.0.1:" + full.getLocalPort())));

        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(response.body()).contains("gateway_timeout").contains("did not accept a connection");
    }
}
