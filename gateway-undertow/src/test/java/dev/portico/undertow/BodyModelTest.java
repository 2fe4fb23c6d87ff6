package dev.portico.undertow;

import dev.portico.core.Body;
import dev.portico.core.Filter;
import dev.portico.core.Gateway;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import io.undertow.server.HttpServerExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

/** The body model through real sockets: replay, streaming transforms, user publishers, discard and bounds. */
class BodyModelTest {

    private static final Duration WITHIN = Duration.ofSeconds(10);

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

    private HostileUpstream upstream(HostileUpstream.Script script) throws IOException {
        HostileUpstream upstream = HostileUpstream.start(script);
        resources.add(upstream);
        return upstream;
    }

    private void start(Route.Builder... routes) {
        Gateway.Builder builder = Gateway.builder();
        for (Route.Builder route : routes) {
            builder.route(route);
        }
        gateway = PorticoServer.builder(builder.build()).host("127.0.0.1").port(0).ioThreads(1).start();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path)).timeout(WITHIN);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A request body of unknown length, so the client sends it in chunks and the gateway streams it. */
    private static HttpRequest.BodyPublisher streamed(String text) {
        return HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(text.getBytes(UTF_8)));
    }

    private static ByteBuffer upperCase(ByteBuffer chunk) {
        byte[] bytes = new byte[chunk.remaining()];
        chunk.get(bytes);
        return ByteBuffer.wrap(new String(bytes, ISO_8859_1).toUpperCase().getBytes(ISO_8859_1));
    }

    @Test
    void retriesAPostWithItsBufferedBodyReplayed() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        HostileUpstream upstream = upstream(ex -> {
            received.add(new String(ex.body(), UTF_8));
            ex.send(received.size() == 1 ? "HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy"
                    : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        });
        Filter retryOn503 = (request, chain) -> request.body().buffer(1024).thenCompose(body -> {
            Request replayable = request.toBuilder().body(body).build();
            return chain.proceed(replayable).thenCompose(first -> first.status() != 503
                    ? CompletableFuture.completedFuture(first)
                    : first.body().discard().thenCompose(discarded -> chain.proceed(replayable)));
        });
        start(Route.post("/orders").filter(retryOn503).to(Upstream.of("orders", upstream.url())));

        HttpResponse<String> response = send(request("/orders").POST(streamed("{\"item\":42}")));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).as(response.headers().map().toString()).isEqualTo("ok");
        assertThat(received).containsExactly("{\"item\":42}", "{\"item\":42}");
    }

    @Test
    void aRetryOfAStreamedBodyThatWasNotBufferedFailsInsteadOfSendingNothing() throws Exception {
        HostileUpstream upstream = upstream(ex -> {
            ex.body();
            ex.send("HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n");
        });
        Filter naiveRetry = (request, chain) -> chain.proceed(request).thenCompose(first -> chain.proceed(request));
        start(Route.post("/orders").filter(naiveRetry).to(Upstream.of("orders", upstream.url())));

        HttpResponse<String> response = send(request("/orders").POST(streamed("{\"item\":42}")));

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(upstream.requests()).isEqualTo(1);
    }

    @Test
    void aTransformedStreamingResponseStillStreams() throws Exception {
        CountDownLatch firstSeen = new CountDownLatch(1);
        HostileUpstream upstream = upstream(ex -> {
            ex.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n");
            ex.await(firstSeen, WITHIN);
            ex.send("5\r\nworld\r\n0\r\n\r\n");
        });
        Filter upper = (request, chain) -> chain.proceed(request)
                .thenApply(r -> r.toBuilder().body(r.body().map(BodyModelTest::upperCase)).build());
        start(Route.get("/stream").filter(upper).to(Upstream.of("stream", upstream.url())));

        HttpResponse<InputStream> response = http.sendAsync(request("/stream").build(),
                HttpResponse.BodyHandlers.ofInputStream()).get(5, TimeUnit.SECONDS);
        InputStream in = response.body();
        byte[] first = CompletableFuture.supplyAsync(() -> readN(in, 6)).get(5, TimeUnit.SECONDS);
        firstSeen.countDown();

        assertThat(new String(first, UTF_8)).isEqualTo("HELLO ");
        assertThat(new String(in.readAllBytes(), UTF_8)).isEqualTo("WORLD");
    }

    private static byte[] readN(InputStream in, int n) {
        try {
            return in.readNBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Publishes {@code count} chunks of 64 KiB, each only when asked for, and records how far ahead it was asked. */
    static final class LazyPublisher implements Flow.Publisher<ByteBuffer> {
        static final int CHUNK = 64 * 1024;
        final int count;
        final AtomicLong produced = new AtomicLong();
        final AtomicLong maxDemand = new AtomicLong();

        LazyPublisher(int count) {
            this.count = count;
        }

        long total() {
            return (long) count * CHUNK;
        }

        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
            subscriber.onSubscribe(new Flow.Subscription() {
                private long demand;
                private int sent;
                private boolean emitting;
                private boolean done;

                @Override
                public synchronized void request(long n) {
                    demand += n;
                    maxDemand.accumulateAndGet(demand, Math::max);
                    if (emitting) {
                        return;
                    }
                    emitting = true;
                    while (demand > 0 && sent < count && !done) {
                        demand--;
                        sent++;
                        byte[] bytes = new byte[CHUNK];
                        Arrays.fill(bytes, (byte) 'p');
                        produced.addAndGet(CHUNK);
                        subscriber.onNext(ByteBuffer.wrap(bytes));
                    }
                    if (sent == count && !done) {
                        done = true;
                        subscriber.onComplete();
                    }
                    emitting = false;
                }

                @Override
                public synchronized void cancel() {
                    done = true;
                }
            });
        }
    }

    @Test
    void aUserPublisherAsALocalResponseStreamsWithBackpressure() throws Exception {
        LazyPublisher publisher = new LazyPublisher(512); // 32 MiB
        start(Route.get("/generated").handler((request, context) -> CompletableFuture.completedFuture(
                Response.builder(200).body(Body.of(publisher, publisher.total())).build())));

        try (HostileUpstream.Client client = HostileUpstream.Client.connect(gateway.port(), WITHIN)) {
            client.send("GET /generated HTTP/1.1\r\nHost: x\r\n\r\n");
            HostileUpstream.Client.Head head = client.head();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("content-length")).isEqualTo(Long.toString(publisher.total()));
            assertThat(client.readNBytes(1)).hasSize(1);
            awaitStable(publisher.produced); // the client reads no more: the socket buffers fill, then nothing is asked for

            assertThat(publisher.produced.get()).isLessThan(publisher.total() / 2);
            long rest = 0;
            for (long left = publisher.total() - 1; left > 0; ) {
                byte[] part = client.readNBytes((int) Math.min(1 << 20, left));
                if (part.length == 0) {
                    break;
                }
                rest += part.length;
                left -= part.length;
            }
            assertThat(rest + 1).isEqualTo(publisher.total());
        }
        assertThat(publisher.maxDemand.get()).isEqualTo(1);
    }

    /** Waits, up to a generous bound, until a counter has stopped moving. */
    private static void awaitStable(AtomicLong counter) throws InterruptedException {
        long last = -1;
        int still = 0;
        for (int i = 0; i < 100 && still < 3; i++) {
            Thread.sleep(100);
            long now = counter.get();
            still = now == last ? still + 1 : 0;
            last = now;
        }
    }

    @Test
    void aUserStreamingRequestBodyIsSentUpstreamAsItComes() throws Exception {
        firstArrived = new CountDownLatch(1);
        AtomicBoolean secondWaitedInVain = new AtomicBoolean();
        Backend backend = Backend.start(exchange -> {
            if (exchange.isInIoThread()) {
                exchange.dispatch(BodyModelTest::echoAsItArrives);
                return;
            }
            echoAsItArrives(exchange);
        });
        resources.add(backend);
        AtomicInteger asked = new AtomicInteger();
        Flow.Publisher<ByteBuffer> chunks = subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                switch (asked.incrementAndGet()) {
                    case 1 -> subscriber.onNext(ByteBuffer.wrap("first".getBytes(UTF_8)));
                    case 2 -> CompletableFuture.runAsync(() -> {
                        try {
                            secondWaitedInVain.set(!firstArrived.await(5, TimeUnit.SECONDS));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        subscriber.onNext(ByteBuffer.wrap("-second".getBytes(UTF_8)));
                    });
                    default -> subscriber.onComplete();
                }
            }

            @Override
            public void cancel() {
            }
        });
        Filter replaceBody = (request, chain) -> chain.proceed(request.toBuilder().body(Body.of(chunks, -1)).build());
        start(Route.post("/upload").filter(replaceBody).to(Upstream.of("store", backend.url())));

        HttpResponse<String> response = send(request("/upload").POST(HttpRequest.BodyPublishers.noBody()));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("first-second");
        assertThat(secondWaitedInVain).as("the upstream saw the first chunk before the second was published").isFalse();
    }

    private static void echoAsItArrives(HttpServerExchange exchange) throws IOException {
        exchange.startBlocking();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buffer = new byte[1024];
        try (InputStream in = exchange.getInputStream()) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                body.write(buffer, 0, n);
                if (body.size() >= 5) {
                    firstArrived.countDown();
                }
            }
        }
        exchange.getOutputStream().write(body.toByteArray());
        exchange.endExchange();
    }

    private static volatile CountDownLatch firstArrived = new CountDownLatch(1);

    @Test
    void aDiscardedUpstreamBodyKeepsItsConnectionWhenReadWholeAndClosesItOtherwise() throws Exception {
        HostileUpstream upstream = upstream(ex -> {
            if (ex.path().equals("/small")) {
                ex.send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789");
            } else {
                ex.send("HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n" + "x".repeat(1000));
                ex.holdUntilClosed();
            }
        });
        Filter replace = (request, chain) -> chain.proceed(request).thenCompose(r -> r.body().discard()
                .thenApply(discarded -> Response.json(200, "{\"replaced\":true}")));
        start(Route.get("/**").filter(replace).to(Upstream.of("app", upstream.url())));

        for (int i = 0; i < 2; i++) {
            HttpResponse<String> response = send(request("/small"));
            assertThat(response.body()).isEqualTo("{\"replaced\":true}");
        }
        assertThat(upstream.requestsPerConnection()).as(upstream.describe()).containsExactly(2);
        assertThat(gateway.upstreamConnections()).isEqualTo(1);

        HttpResponse<String> large = send(request("/large"));

        assertThat(large.body()).isEqualTo("{\"replaced\":true}");
        assertThat(upstream.connectionOf("/large")).isNotNull();
        assertThat(upstream.connectionOf("/large").awaitClosed(WITHIN)).as(upstream.describe()).isTrue();
        HostileUpstream.awaitOrFail(() -> gateway.upstreamConnections() <= 1, WITHIN,
                () -> "the discarded connection released: " + gateway.upstreamConnections());
    }

    @Test
    void readingARequestBodyOverItsBoundIs413() throws Exception {
        HostileUpstream upstream = upstream(ex -> ex.send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
        Filter readText = (request, chain) -> request.body().text(5)
                .thenCompose(text -> chain.proceed(request.toBuilder().body(Body.of(text)).build()));
        start(Route.post("/**").filter(readText).to(Upstream.of("app", upstream.url())));

        HttpResponse<String> response = send(request("/x").POST(streamed("0123456789")));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(413);
        assertThat(response.body()).startsWith("{\"error\":\"payload_too_large\"");
        assertThat(upstream.requests()).isZero();
    }

    @Test
    void readingAnUpstreamResponseBodyOverItsBoundIs502() throws Exception {
        HostileUpstream upstream = upstream(ex -> ex.send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"));
        Filter readBytes = (request, chain) -> chain.proceed(request).thenCompose(r -> r.body().bytes(5)
                .thenApply(bytes -> Response.of(200)));
        start(Route.get("/**").filter(readBytes).to(Upstream.of("app", upstream.url())));

        HttpResponse<String> response = send(request("/x"));

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).startsWith("{\"error\":\"bad_gateway\"").contains("exceeds 5 bytes");
    }

    @Test
    void aRequestBodyThatNeverPublishesIsBoundedByTheRouteTimeoutAs408WithoutBlockingTheIoThread() throws Exception {
        HostileUpstream upstream = upstream(ex -> {
            ex.body();
            ex.send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        });
        Flow.Publisher<ByteBuffer> never = subscriber -> { };
        Filter stuckBody = (request, chain) -> chain.proceed(request.toBuilder().body(Body.of(never, -1)).build());
        start(Route.post("/stuck").timeout(Duration.ofMillis(500)).filter(stuckBody).to(Upstream.of("app", upstream.url())),
                Route.get("/ping").handler((request, context) -> CompletableFuture.completedFuture(Response.json(200, "{}"))));

        CompletableFuture<HttpResponse<String>> stuck = http.sendAsync(request("/stuck").POST(streamed("body")).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> ping = send(request("/ping")); // the server's only IO thread still serves

        assertThat(ping.statusCode()).isEqualTo(200);
        HttpResponse<String> response = stuck.get(WITHIN.toSeconds(), TimeUnit.SECONDS);
        assertThat(response.statusCode()).as("the body's source stalled, not the upstream").isEqualTo(408);
        assertThat(response.body()).startsWith("{\"error\":\"request_timeout\"");
    }

    @Test
    void aResponseBodyThatNeverPublishesDoesNotBlockTheIoThread() throws Exception {
        Flow.Publisher<ByteBuffer> silent = subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
            }

            @Override
            public void cancel() {
            }
        });
        start(Route.get("/silent").handler((request, context) -> CompletableFuture.completedFuture(
                        Response.builder(200).body(Body.of(silent, -1)).build())),
                Route.get("/ping").handler((request, context) -> CompletableFuture.completedFuture(Response.json(200, "{}"))));

        http.sendAsync(request("/silent").build(), HttpResponse.BodyHandlers.ofString());
        HostileUpstream.awaitOrFail(() -> gateway.inFlight() == 1, WITHIN, () -> "the silent request in flight");
        HttpResponse<String> ping = send(request("/ping"));

        assertThat(ping.statusCode()).isEqualTo(200);
        HostileUpstream.awaitOrFail(() -> gateway.inFlight() == 1, WITHIN, () -> "only the silent request in flight");
    }

    @Test
    void aResponseBodyThatStallsPastTheStallTimeoutIs504BeforeItsFirstByte() throws Exception {
        Flow.Publisher<ByteBuffer> silent = subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
            }

            @Override
            public void cancel() {
            }
        });
        PorticoHandler portico = PorticoHandler.of(Gateway.builder()
                .bodyIdleTimeout(Duration.ofMillis(300))
                .route(Route.get("/silent").handler((request, context) -> CompletableFuture.completedFuture(
                        Response.builder(200).body(Body.of(silent, -1)).build())))
                .build());
        io.undertow.Undertow server = io.undertow.Undertow.builder().addHttpListener(0, "127.0.0.1")
                .setHandler(portico)
                .build();
        server.start();
        resources.add(server::stop);
        resources.add(portico);
        int port = ((java.net.InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();

        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/silent"))
                .timeout(WITHIN).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(response.body()).startsWith("{\"error\":\"gateway_timeout\"").contains("stalled");
    }

    @Test
    void aMappedClientBodyStreamsUpstreamAndCountsAgainstTheRouteLimit() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        HostileUpstream upstream = upstream(ex -> {
            received.add(new String(ex.body(), UTF_8));
            ex.send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        });
        Filter upper = (request, chain) -> chain.proceed(request.toBuilder()
                .body(request.body().map(BodyModelTest::upperCase)).build());
        start(Route.post("/**").maxBodySize(64 * 1024).filter(upper).to(Upstream.of("app", upstream.url())));
        String text = "abc".repeat(10_000);

        HttpResponse<String> ok = send(request("/x").POST(streamed(text)));
        HttpResponse<String> tooLarge = send(request("/x").POST(streamed("z".repeat(100 * 1024))));

        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(received).first().isEqualTo(text.toUpperCase());
        assertThat(tooLarge.statusCode()).as(tooLarge.body()).isEqualTo(413);
    }

    @Test
    void aHundredMebibyteDownloadStreamsThroughAMapWithoutBeingHeld() throws Exception {
        long size = 100L * 1024 * 1024;
        Backend backend = Backend.start(exchange -> {
            if (exchange.isInIoThread()) {
                exchange.dispatch(e -> produce(e, size));
                return;
            }
            produce(exchange, size);
        });
        resources.add(backend);
        Filter identity = (request, chain) -> chain.proceed(request)
                .thenApply(r -> r.toBuilder().body(r.body().map(chunk -> chunk)).build());
        start(Route.get("/**").filter(identity).to(Upstream.of("bulk", backend.url())));

        HttpResponse<InputStream> response = http.send(request("/bulk").timeout(Duration.ofSeconds(120)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        long total = 0;
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = response.body()) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                total += n;
            }
        }

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(total).isEqualTo(size); // this module's tests run with -Xmx128m: a held body would not fit
    }

    private static void produce(HttpServerExchange exchange, long size) throws IOException {
        exchange.startBlocking();
        byte[] chunk = new byte[64 * 1024];
        Arrays.fill(chunk, (byte) 'z');
        try (java.io.OutputStream out = exchange.getOutputStream()) {
            for (long sent = 0; sent < size; sent += chunk.length) {
                out.write(chunk);
            }
        }
    }

    /** Publishes one large chunk and completes at once, without waiting for it to be written. */
    private static Flow.Publisher<ByteBuffer> oneChunkThenComplete(int size) {
        return subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
            private boolean sent;

            @Override
            public void request(long n) {
                if (!sent) {
                    sent = true;
                    byte[] bytes = new byte[size];
                    Arrays.fill(bytes, (byte) 'q');
                    subscriber.onNext(ByteBuffer.wrap(bytes));
                    subscriber.onComplete();
                }
            }

            @Override
            public void cancel() {
            }
        });
    }

    @Test
    void aPublisherThatCompletesBeforeItsLastChunkIsWrittenIsSentWhole() throws Exception {
        int size = 8 * 1024 * 1024; // more than the socket takes in one write
        start(Route.get("/fixed").handler((request, context) -> CompletableFuture.completedFuture(
                        Response.builder(200).body(Body.of(oneChunkThenComplete(size), size)).build())),
                Route.get("/chunked").handler((request, context) -> CompletableFuture.completedFuture(
                        Response.builder(200).body(Body.of(oneChunkThenComplete(size), -1)).build())));

        for (String path : List.of("/fixed", "/chunked")) {
            HttpResponse<byte[]> response = http.send(request(path).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).as(path).hasSize(size);
        }
    }

    @Test
    void aRequestPublisherThatCompletesBeforeItsLastChunkIsWrittenIsSentWhole() throws Exception {
        int size = 8 * 1024 * 1024;
        List<Integer> received = new CopyOnWriteArrayList<>();
        HostileUpstream upstream = HostileUpstream.startWithReceiveBuffer(16 * 1024, ex -> {
            Thread.sleep(200); // the gateway's first write fills the socket before anything is read
            received.add(ex.body().length);
            ex.send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        });
        resources.add(upstream);
        Filter replaceBody = (request, chain) -> chain.proceed(request.toBuilder()
                .body(Body.of(oneChunkThenComplete(size), -1)).build());
        start(Route.post("/**").maxBodySize(size).filter(replaceBody).to(Upstream.of("app", upstream.url())));

        HttpResponse<String> response = send(request("/x").POST(HttpRequest.BodyPublishers.noBody()));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(received).containsExactly(size);
    }
}
