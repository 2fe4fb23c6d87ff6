package dev.portico.undertow;

import dev.portico.core.Body;
import dev.portico.core.Gateway;
import dev.portico.core.Handler;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.spi.CallOptions;
import dev.portico.core.spi.UpstreamClient;
import dev.portico.core.upstream.Endpoint;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** An upstream call's first write waits for the end of its IO thread's batch; a call that ends first sends nothing. */
class HeldWriteTest {

    private static final CallOptions OPTIONS = new CallOptions("held", Duration.ofSeconds(1), Duration.ofSeconds(2), 0);

    @Test
    void aCallCancelledBeforeItsHeldWriteRunsSendsNothingAndGivesItsBodyUp() throws Exception {
        AtomicInteger received = new AtomicInteger();
        AtomicReference<UpstreamClient> client = new AtomicReference<>();
        AtomicReference<Endpoint> endpoint = new AtomicReference<>();
        CompletableFuture<String> publisher = new CompletableFuture<>();
        Flow.Publisher<ByteBuffer> chunks = subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                publisher.complete("asked for chunks");
            }

            @Override
            public void cancel() {
                publisher.complete("cancelled");
            }
        });
        try (Backend backend = Backend.start(exchange -> {
                 received.incrementAndGet();
                 exchange.getResponseSender().send("{}");
             });
             PorticoServer server = PorticoServer.builder(Gateway.builder()
                     .route(Route.get("/warm").handler((request, context) -> client.get()
                             .send(endpoint.get(), upstream("GET", Body.empty()), OPTIONS)
                             .thenCompose(response -> response.body().text(1024))
                             .thenApply(text -> Response.text(200, "warm"))))
                     .route(Route.get("/probe").handler(Handler.sync((request, context) -> {
                         // on the IO thread: the pooled connection is taken and the write held, then the call ends
                         client.get().send(endpoint.get(), upstream("POST", Body.of(chunks, 10)), OPTIONS)
                                 .toCompletableFuture().cancel(false);
                         return Response.text(200, "probed");
                     }))).build()).ioThreads(1).port(0).start()) {
            client.set(server.upstreamClient());
            endpoint.set(Endpoint.of(URI.create(backend.url())));

            assertThat(RawHttp.send(server.port(), "GET /warm HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n").status())
                    .isEqualTo(200);
            assertThat(RawHttp.send(server.port(), "GET /probe HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n").status())
                    .isEqualTo(200);

            assertThat(publisher.get(5, TimeUnit.SECONDS)).isEqualTo("cancelled");
            Thread.sleep(200); // a request written after all would reach the backend by now
            assertThat(received).as("requests the backend received").hasValue(1);
        }
    }

    private static Request upstream(String method, Body body) {
        return Request.builder(method, "/").header("Host", "backend").body(body).build();
    }
}
