package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import io.undertow.server.HttpServerExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 100 MiB each way through the gateway. This module's tests run with {@code -Xmx128m} (see its pom), so a gateway
 * that buffered either body would fail here with an OutOfMemoryError.
 */
class StreamingTest {

    private static final long SIZE = Long.getLong("portico.streaming.size", 100L * 1024 * 1024);

    private final HttpClient http = HttpClient.newHttpClient();
    private Backend backend;
    private PorticoServer gateway;

    @BeforeEach
    void start() {
        backend = Backend.start(exchange -> {
            if (exchange.isInIoThread()) {
                exchange.dispatch(e -> serve(e));
                return;
            }
            serve(exchange);
        });
        gateway = PorticoServer.start(Gateway.builder()
                .route(Route.any("/**").maxBodySize(SIZE + 1).to(Upstream.of("bulk", backend.url())))
                .build(), "127.0.0.1", 0);
    }

    private static void serve(HttpServerExchange exchange) throws java.io.IOException {
        exchange.startBlocking();
        if (exchange.getRequestMethod().equalToString("POST")) {
            long total = 0;
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = exchange.getInputStream()) {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    total += n;
                }
            }
            exchange.getOutputStream().write(Long.toString(total).getBytes());
            exchange.endExchange();
            return;
        }
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) 'z');
        if (exchange.getRequestPath().endsWith("/fixed")) {
            exchange.setResponseContentLength(SIZE);
        }
        try (OutputStream out = exchange.getOutputStream()) {
            for (long sent = 0; sent < SIZE; sent += chunk.length) {
                out.write(chunk);
            }
        }
    }

    @AfterEach
    void stop() {
        gateway.stop(Duration.ZERO);
        backend.close();
    }

    private long download(String path) throws Exception {
        HttpResponse<InputStream> response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        long total = 0;
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = response.body()) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                total += n;
            }
        }
        return total;
    }

    @Test
    void streamsAHundredMebibyteChunkedDownload() throws Exception {
        assertThat(download("/chunked")).isEqualTo(SIZE);
    }

    @Test
    void streamsAHundredMebibyteFixedLengthDownload() throws Exception {
        assertThat(download("/fixed")).isEqualTo(SIZE);
    }

    @Test
    void streamsAHundredMebibyteUpload() throws Exception {
        InputStream generated = new InputStream() {
            long left = SIZE;

            @Override
            public int read() {
                return left-- > 0 ? 'u' : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                java.util.Arrays.fill(b, off, off + n, (byte) 'u');
                left -= n;
                return n;
            }
        };
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/upload")).timeout(Duration.ofSeconds(60))
                        .POST(HttpRequest.BodyPublishers.fromPublisher(
                                HttpRequest.BodyPublishers.ofInputStream(() -> generated), SIZE))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(Long.toString(SIZE));
    }
}
