package dev.portico.undertow;

import dev.portico.core.Body;
import dev.portico.core.Filter;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import io.undertow.util.SameThreadExecutor;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The route timeout bounds each upstream call from the end of its request body to its response head: an upload
 * slower than the timeout is not cut off, and a retry after a slow upload gets the whole timeout again.
 */
class TimeoutSemanticsTest {

    private static final Duration TIMEOUT = Duration.ofMillis(500);

    @Test
    void anUploadSlowerThanTheTimeoutThenAQuickAnswerIsServed() throws Exception {
        try (Backend backend = Backend.start(exchange -> exchange.getRequestReceiver().receiveFullBytes(
                (ex, body) -> ex.getResponseSender().send("got " + body.length)));
             PorticoServer server = serve(Route.post("/upload").timeout(TIMEOUT).to(Upstream.of("app", backend.url())))) {

            RawHttp.Reply reply = slowUpload(server);

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("got 12");
        }
    }

    @Test
    void aRetryAfterASlowUploadGetsTheWholeTimeoutAgain() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        // the first attempt answers 503 at once; the second takes most of the timeout
        try (Backend backend = Backend.start(exchange -> exchange.getRequestReceiver().receiveFullBytes((ex, body) -> {
            if (attempts.incrementAndGet() == 1) {
                ex.setStatusCode(503);
                ex.getResponseSender().send("busy");
            } else {
                ex.dispatch(SameThreadExecutor.INSTANCE, () -> ex.getIoThread().executeAfter(
                        () -> ex.getResponseSender().send("got " + body.length), 350, TimeUnit.MILLISECONDS));
            }
        }));
             PorticoServer server = serve(Route.post("/upload").timeout(TIMEOUT).filter(retryOnce())
                     .to(Upstream.of("app", backend.url())))) {

            RawHttp.Reply reply = slowUpload(server);

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("got 12");
            assertThat(attempts).hasValue(2);
        }
    }

    /** Buffers the body, then sends it again when the first answer is a 503. */
    private static Filter retryOnce() {
        return (request, chain) -> request.body().bytes(1024).thenCompose(bytes -> {
            var replayable = request.toBuilder().body(Body.of(bytes)).build();
            return chain.proceed(replayable).thenCompose(response -> response.status() == 503
                    ? chain.proceed(replayable)
                    : java.util.concurrent.CompletableFuture.completedFuture(response));
        });
    }

    private static PorticoServer serve(Route.Builder route) {
        return PorticoServer.builder(Gateway.builder().route(route).build()).port(0).drainTimeout(Duration.ZERO).start();
    }

    /** Sends 12 body bytes over about 1.2 s, well past the route timeout, in pauses well within the idle timeout. */
    private static RawHttp.Reply slowUpload(PorticoServer server) throws Exception {
        try (Socket client = new Socket("127.0.0.1", server.port())) {
            client.setSoTimeout(10_000);
            OutputStream out = client.getOutputStream();
            out.write("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            for (int i = 0; i < 4; i++) {
                out.write("abc".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                Thread.sleep(300);
            }
            return RawHttp.read(client.getInputStream());
        }
    }
}
