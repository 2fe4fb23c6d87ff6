package dev.portico.undertow;

import dev.portico.core.Completion;
import dev.portico.core.Filter;
import dev.portico.core.Gateway;
import dev.portico.core.GatewayException;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import io.undertow.util.Headers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stage before routing and the completion hook, used as CORS, access logs and metrics will use them: an edge
 * filter sees every answer, the gateway's and the adapter's refusals included, and each request reports how it
 * ended exactly once.
 */
class EdgeStageTest {

    /** A response larger than what loopback socket buffers hold, so that a client leaving cuts it short. */
    private static final int BIG = 32 * 1024 * 1024;

    private final List<Integer> seen = new CopyOnWriteArrayList<>();
    private final List<String> routesBefore = new CopyOnWriteArrayList<>();
    private final List<String> routesAfter = new CopyOnWriteArrayList<>();
    private final List<Completion> completions = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> resources = new ArrayList<>();

    /** Records what it sees, answers preflights itself, and marks every response it passed. */
    private final Filter edge = (request, chain) -> {
        chain.context().onComplete(completions::add);
        routesBefore.add(String.valueOf(chain.context().route()));
        if (request.method().equals("OPTIONS") && request.header("Access-Control-Request-Method") != null) {
            return CompletableFuture.completedFuture(Response.builder(204)
                    .header("Access-Control-Allow-Origin", "*").header("X-Edge", "preflight").build());
        }
        return chain.proceed(request).thenApply(response -> {
            seen.add(response.status());
            routesAfter.add(chain.context().route() == null ? "none" : chain.context().route().id());
            return response.toBuilder().header("X-Edge", "seen").build();
        });
    };

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    private PorticoServer serve(UnaryOperator<Gateway.Builder> settings) {
        Backend backend = Backend.start(exchange -> exchange.getRequestReceiver().receiveFullBytes((ex, body) -> {
            if (ex.getRequestPath().startsWith("/big")) {
                ex.getResponseSender().send("x".repeat(BIG));
            } else {
                ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
                ex.getResponseSender().send("got " + body.length);
            }
        }));
        resources.add(backend);
        Upstream app = Upstream.of("app", backend.url());
        PorticoServer server = PorticoServer.builder(settings.apply(Gateway.builder()
                        .edgeFilter(edge)
                        .route(Route.get("/items").id("items").to(app))
                        .route(Route.post("/items").id("create").to(app))
                        .route(Route.get("/big").id("big").to(app))
                        .route(Route.get("/down").id("down").to(Upstream.of("down", "http://127.0.0.1:9"))))
                        .build())
                .port(0).drainTimeout(Duration.ZERO).start();
        resources.add(server);
        return server;
    }

    @Test
    void anEdgeFilterSeesTheGatewaysOwnAnswersAndWhatRoutesAnswer() throws Exception {
        PorticoServer server = serve(b -> b);

        RawHttp.Reply ok = RawHttp.send(server.port(), "GET /items HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        RawHttp.Reply notFound = RawHttp.send(server.port(), "GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        RawHttp.Reply notAllowed = RawHttp.send(server.port(), "DELETE /items HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        RawHttp.Reply badPath = RawHttp.send(server.port(), "GET /items/%2F..%2F HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        RawHttp.Reply tooLarge = RawHttp.send(server.port(),
                "POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\nConnection: close\r\n\r\n");

        assertThat(List.of(ok, notFound, notAllowed, badPath, tooLarge)).extracting(RawHttp.Reply::status)
                .containsExactly(200, 404, 405, 400, 413);
        assertThat(List.of(ok, notFound, notAllowed, badPath, tooLarge)).allSatisfy(reply ->
                assertThat(reply.header("X-Edge")).isEqualTo("seen"));
        assertThat(seen).containsExactly(200, 404, 405, 400, 413);
        assertThat(routesBefore).as("edge filters run before routing").containsOnly("null");
        assertThat(routesAfter).containsExactly("items", "none", "none", "none", "create");
    }

    @Test
    void aPreflightIsAnsweredAtTheEdgeInsteadOf405() throws Exception {
        PorticoServer server = serve(b -> b);

        RawHttp.Reply preflight = RawHttp.send(server.port(), "OPTIONS /items HTTP/1.1\r\nHost: x\r\nOrigin: https://app\r\n"
                + "Access-Control-Request-Method: GET\r\nConnection: close\r\n\r\n");

        assertThat(preflight.status()).isEqualTo(204);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo("*");
    }

    @Test
    void anEdgeFilterSeesTheAdaptersRefusals() throws Exception {
        PorticoServer server = serve(b -> b.maxHeaderCount(5));

        RawHttp.Reply tooManyHeaders = RawHttp.send(server.port(), "GET /items HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n"
                + "C: 3\r\nD: 4\r\nE: 5\r\nConnection: close\r\n\r\n");
        RawHttp.Reply targetTooLong = RawHttp.send(server.port(), "GET /items?q=" + "a".repeat(9000)
                + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        RawHttp.Reply badFraming = RawHttp.send(server.port(), "POST /items HTTP/1.1\r\nHost: x\r\n"
                + "Transfer-Encoding: gzip, chunked\r\n\r\n");

        assertThat(List.of(tooManyHeaders, targetTooLong, badFraming)).extracting(RawHttp.Reply::status)
                .containsExactly(431, 414, 501);
        assertThat(List.of(tooManyHeaders, targetTooLong, badFraming)).allSatisfy(reply ->
                assertThat(reply.header("X-Edge")).isEqualTo("seen"));
        assertThat(seen).containsExactly(431, 414, 501);
    }

    @Test
    void anEdgeFilterSeesThe503OfTheConcurrencyCap() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        PorticoServer server = serve(b -> b.maxConcurrentRequests(1)
                .route(Route.get("/hold").handler((request, context) -> CompletableFuture.supplyAsync(() -> {
                    await(release);
                    return Response.json(200, "{}");
                }))));
        try (Socket holding = new Socket("127.0.0.1", server.port())) {
            holding.getOutputStream().write(ascii("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n"));
            awaitTrue(() -> server.inFlight() == 1, "the first request in flight");

            RawHttp.Reply refused = RawHttp.send(server.port(), "GET /items HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.header("X-Edge")).isEqualTo("seen");
            release.countDown();
        }
    }

    @Test
    void theCompletionReportsASuccessOnceWithItsFigures() throws Exception {
        PorticoServer server = serve(b -> b);

        RawHttp.Reply reply = RawHttp.send(server.port(), "POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                + "Connection: close\r\n\r\nhello");

        assertThat(reply.body()).isEqualTo("got 5");
        awaitTrue(() -> completions.size() == 1, "one completion");
        Completion completion = completions.get(0);
        assertThat(completion.status()).isEqualTo(200);
        assertThat(completion.bytesIn()).isEqualTo(5);
        assertThat(completion.bytesOut()).isEqualTo(5);
        assertThat(completion.route().id()).isEqualTo("create");
        assertThat(completion.duration()).isPositive();
        assertThat(completion.failure()).isNull();
        Thread.sleep(100);
        assertThat(completions).as("exactly once").hasSize(1);
    }

    @Test
    void theCompletionReportsAnErrorWithItsCause() throws Exception {
        PorticoServer server = serve(b -> b);

        RawHttp.send(server.port(), "GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        RawHttp.send(server.port(), "GET /down HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        awaitTrue(() -> completions.size() == 2, "two completions");
        // each completes once its response is written, which the client may see before the completion is reported
        Completion unmatched = completions.stream().filter(c -> c.route() == null).findFirst().orElseThrow();
        Completion down = completions.stream().filter(c -> c.route() != null).findFirst().orElseThrow();
        assertThat(unmatched.status()).isEqualTo(404);
        assertThat(unmatched.failure()).isInstanceOfSatisfying(GatewayException.class,
                e -> assertThat(e.status()).isEqualTo(404));
        assertThat(down.status()).isEqualTo(502);
        assertThat(down.route().id()).isEqualTo("down");
        assertThat(down.failure()).isInstanceOfSatisfying(GatewayException.class,
                e -> assertThat(e.status()).isEqualTo(502));
    }

    @Test
    void theCompletionReportsAClientThatWentAwayMidResponse() throws Exception {
        PorticoServer server = serve(b -> b);
        try (Socket client = new Socket("127.0.0.1", server.port())) {
            client.setSoTimeout(10_000);
            OutputStream out = client.getOutputStream();
            out.write(ascii("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"));
            InputStream in = client.getInputStream();
            assertThat(in.readNBytes(1024)).hasSize(1024);
            client.setSoLinger(true, 0); // a reset, with most of the response unread
        }

        awaitTrue(() -> completions.size() == 1, "one completion");
        Completion completion = completions.get(0);
        assertThat(completion.status()).isEqualTo(200);
        assertThat(completion.route().id()).isEqualTo("big");
        assertThat(completion.bytesOut()).isLessThan(BIG);
        assertThat(completion.failure()).isInstanceOf(IOException.class);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waited for " + what).isNegative();
            Thread.sleep(10);
        }
    }
}
