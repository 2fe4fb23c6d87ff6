package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** An upstream that accepts a request head and then stops reading its body. */
class UploadStallTest {

    @Test
    void anUpstreamThatStopsReadingTheUploadIsBoundedByTheRouteTimeout() throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try (Socket socket = upstream.accept()) {
                    socket.getInputStream().read(new byte[512]); // the head, then never another byte
                    Thread.sleep(20_000);
                } catch (IOException | InterruptedException e) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            Gateway gateway = Gateway.builder()
                    .maxBodySize(64 * 1024 * 1024)
                    .route(Route.post("/upload").timeout(Duration.ofMillis(500))
                            .to(Upstream.of("stalling", "http://127.0.0.1:" + upstream.getLocalPort())))
                    .build();
            try (PorticoServer server = PorticoServer.builder(gateway).port(0).drainTimeout(Duration.ZERO).start();
                 Socket client = new Socket("127.0.0.1", server.port())) {
                client.setSoTimeout(10_000);
                int size = 32 * 1024 * 1024; // far more than the socket buffers between here and the upstream
                Thread uploader = new Thread(() -> {
                    try {
                        OutputStream out = client.getOutputStream();
                        out.write(("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\n\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                        byte[] chunk = new byte[64 * 1024];
                        for (int sent = 0; sent < size; sent += chunk.length) {
                            out.write(chunk);
                        }
                    } catch (IOException e) {
                        // the gateway answered and closed mid-upload: expected
                    }
                });
                uploader.setDaemon(true);
                long start = System.nanoTime();
                uploader.start();

                RawHttp.Reply reply = RawHttp.read(client.getInputStream());

                assertThat(reply.status()).isEqualTo(504);
                assertThat(reply.body()).contains("\"error\":\"gateway_timeout\"", "stopped reading the request");
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("bounded, not hung").isLessThan(Duration.ofSeconds(8));
                assertThat(server.upstreamConnections()).as("the upstream connection was closed").isZero();
                acceptor.interrupt();
            }
        }
    }
}
