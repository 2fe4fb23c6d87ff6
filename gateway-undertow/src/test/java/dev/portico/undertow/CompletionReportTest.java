package dev.portico.undertow;

import dev.portico.core.Completion;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Every exchange the gateway starts reports its completion once, however it ends. */
class CompletionReportTest {

    private static final int UPLOADS = 30;

    private Backend backend;
    private PorticoServer gateway;

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.stop(Duration.ZERO);
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void anUploadTheClientAbandonsBeforeTheGatewayReadsItIsStillReportedComplete() throws Exception {
        backend = Backend.start(new EchoHandler());
        AtomicInteger started = new AtomicInteger();
        ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();
        gateway = PorticoServer.builder(Gateway.builder()
                .edgeFilter((request, chain) -> {
                    started.incrementAndGet();
                    chain.context().onComplete(completions::add);
                    return chain.proceed(request);
                })
                .route(Route.any("/**").to(Upstream.of("echo", backend.url())))
                .build()).host("127.0.0.1").port(0).ioThreads(1).start();

        for (int i = 0; i < UPLOADS; i++) {
            // a pooled upstream connection, so that the upload's body is read while the exchange starts
            assertThat(RawHttp.send(gateway.port(), "GET /warm HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status())
                    .isEqualTo(200);
            // the head, the first KiB of the body and the end of the stream arrive together: the end is often found
            // while the gateway starts the exchange, before it returns to Undertow
            try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
                socket.setSoLinger(i % 2 == 0, 0); // half end with a reset, half with a close
                OutputStream out = socket.getOutputStream();
                out.write(("POST /upload/" + i + " HTTP/1.1\r\nHost: x\r\nContent-Length: 65536\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.write(new byte[1024]);
                out.flush();
            }
        }

        // some never reach the gateway (a reset can discard them first); every one that started must complete
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        int seen = -1;
        while ((seen != started.get() || completions.size() < seen) && System.nanoTime() < deadline) {
            seen = started.get();
            Thread.sleep(200);
        }
        assertThat(started.get()).isGreaterThan(UPLOADS);
        assertThat(completions).hasSize(started.get());
    }
}
