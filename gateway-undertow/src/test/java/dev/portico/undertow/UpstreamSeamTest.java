package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.upstream.CallOutcome.Kind;
import dev.portico.core.upstream.CallOutcome;
import dev.portico.core.upstream.LoadBalancer;
import dev.portico.core.upstream.SendOptions;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seam around every upstream call, used as load balancing, health, retry budgets and aggregation will use it:
 * a balancer that sees the request, an outcome for every attempt, per-call options, and cancellation.
 */
class UpstreamSeamTest {

    private final List<CallOutcome> outcomes = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    private PorticoServer serve(Gateway.Builder gateway) {
        PorticoServer server = PorticoServer.builder(gateway.callListener(outcomes::add).build())
                .port(0).drainTimeout(Duration.ZERO).start();
        resources.add(server);
        return server;
    }

    private Backend backend(String name) {
        Backend backend = Backend.start(exchange -> exchange.getResponseSender().send(name));
        resources.add(backend);
        return backend;
    }

    private static RawHttp.Reply get(PorticoServer server, String target, String... headers) throws IOException {
        return RawHttp.send(server.port(), "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + String.join("", headers)
                + "Connection: close\r\n\r\n");
    }

    @Test
    void aLoadBalancerThatHashesAHeaderSendsEachTenantToOneInstance() throws Exception {
        Upstream app = Upstream.builder("app")
                .instance(backend("a").url()).instance(backend("b").url()).instance(backend("c").url())
                .loadBalancer((endpoints, request, context) -> endpoints.get(
                        Math.floorMod(String.valueOf(request.header("X-Tenant")).hashCode(), endpoints.size())))
                .build();
        PorticoServer server = serve(Gateway.builder().route(Route.get("/who").to(app)));

        List<String> acme = new ArrayList<>();
        List<String> globex = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            acme.add(get(server, "/who", "X-Tenant: acme\r\n").body());
            globex.add(get(server, "/who", "X-Tenant: globex\r\n").body());
        }

        assertThat(acme).hasSize(6).containsOnly(acme.get(0));
        assertThat(globex).hasSize(6).containsOnly(globex.get(0));
    }

    @Test
    void roundRobinStaysTheDefault() throws Exception {
        Upstream app = Upstream.of("app", backend("a").url(), backend("b").url());
        PorticoServer server = serve(Gateway.builder().route(Route.get("/who").to(app)));

        assertThat(List.of(get(server, "/who").body(), get(server, "/who").body(), get(server, "/who").body()))
                .containsExactly("a", "b", "a");
    }

    @Test
    void aGoodCallReportsItsResponseAndItsFinishedBody() throws Exception {
        PorticoServer server = serve(Gateway.builder().route(Route.get("/ok").to(Upstream.of("app", backend("a").url()))));

        get(server, "/ok");

        awaitTrue(() -> outcomes.size() == 2, "two outcomes");
        assertThat(outcomes).extracting(CallOutcome::kind).containsExactly(Kind.RESPONSE, Kind.BODY_FINISHED);
        assertThat(outcomes).allSatisfy(outcome -> {
            assertThat(outcome.upstream()).isEqualTo("app");
            assertThat(outcome.status()).isEqualTo(200);
            assertThat(outcome.retried()).isFalse();
        });
    }

    @Test
    void eachFailureKindIsReported() throws Exception {
        try (RawServer silent = RawServer.start(UpstreamSeamTest::hold);
             RawServer resetting = RawServer.start(Socket::close);
             RawServer invalid = RawServer.start(socket -> answer(socket, "HTTP/1.1 600 Nope\r\n\r\n"))) {
            PorticoServer server = serve(Gateway.builder()
                    .route(Route.get("/refused").to(Upstream.of("refused", "http://127.0.0.1:" + RawServer.closedPort())))
                    .route(Route.get("/silent").timeout(Duration.ofMillis(200)).to(Upstream.of("silent", silent.url())))
                    .route(Route.get("/reset").to(Upstream.of("reset", resetting.url())))
                    .route(Route.get("/invalid").to(Upstream.of("invalid", invalid.url()))));

            assertThat(get(server, "/refused").status()).isEqualTo(502);
            assertThat(get(server, "/silent").status()).isEqualTo(504);
            assertThat(get(server, "/reset").status()).isEqualTo(502);
            assertThat(get(server, "/invalid").status()).isEqualTo(502);

            awaitTrue(() -> outcomes.size() == 4, "four outcomes");
            assertThat(outcomes).extracting(o -> o.upstream() + ' ' + o.kind()).containsExactly(
                    "refused CONNECT_FAILURE", "silent TIMEOUT", "reset RESET", "invalid PROTOCOL_ERROR");
        }
    }

    @Test
    void theRetryOnAStaleReusedConnectionIsReportedAsRetried() throws Exception {
        // answers the first request of each connection, then closes the connection at the second without a word
        try (RawServer forgetful = RawServer.start(socket -> {
            answer(socket, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            RawServer.readHead(socket);
            socket.close();
        })) {
            PorticoServer server = PorticoServer.builder(Gateway.builder().callListener(outcomes::add)
                            .route(Route.get("/ok").to(Upstream.of("forgetful", forgetful.url()))).build())
                    .port(0).ioThreads(1).drainTimeout(Duration.ZERO).start();
            resources.add(server);

            assertThat(get(server, "/ok").body()).isEqualTo("ok");
            assertThat(get(server, "/ok").body()).isEqualTo("ok");

            awaitTrue(() -> outcomes.size() == 5, "five outcomes");
            assertThat(outcomes).extracting(o -> o.kind() + (o.retried() ? " retried" : "")).containsExactly(
                    "RESPONSE", "BODY_FINISHED", "RESET retried", "RESPONSE", "BODY_FINISHED");
            assertThat(forgetful.accepted()).isEqualTo(2);
        }
    }

    /** The upstream may have applied a request it read before closing: a POST is never sent twice by the gateway. */
    @Test
    void aPostOnAReusedConnectionTheUpstreamClosedIsNotSentAgain() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        try (RawServer forgetful = RawServer.start(socket -> {
            received.add(RawServer.readHead(socket).lines().findFirst().orElse(""));
            socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
            received.add(RawServer.readHead(socket).lines().findFirst().orElse("")); // read whole, then no answer
            socket.close();
        })) {
            PorticoServer server = PorticoServer.builder(Gateway.builder()
                            .route(Route.any("/**").to(Upstream.of("forgetful", forgetful.url()))).build())
                    .port(0).ioThreads(1).drainTimeout(Duration.ZERO).start();
            resources.add(server);

            assertThat(get(server, "/warm").body()).isEqualTo("ok");
            RawHttp.Reply post = RawHttp.send(server.port(), "POST /order HTTP/1.1\r\nHost: x\r\n"
                    + "Content-Length: 0\r\nConnection: close\r\n\r\n");

            assertThat(post.status()).isEqualTo(502);
            assertThat(received).containsExactly("GET /warm HTTP/1.1", "POST /order HTTP/1.1");
            assertThat(forgetful.accepted()).isEqualTo(1);
        }
    }

    @Test
    void aPerCallTimeoutCancelsItsUpstreamCall() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        try (RawServer silent = RawServer.start(socket -> {
            RawServer.readHead(socket);
            if (socket.getInputStream().read() < 0) {
                closed.countDown(); // the gateway closed the connection
            }
        })) {
            Upstream slow = Upstream.of("slow", silent.url());
            PorticoServer server = serve(Gateway.builder().route(Route.get("/part").timeout(Duration.ofSeconds(30))
                    .handler((request, context) -> context.send(slow, request,
                            SendOptions.builder().timeout(Duration.ofMillis(200)).build()))));

            RawHttp.Reply reply = get(server, "/part");

            assertThat(reply.status()).isEqualTo(504);
            assertThat(closed.await(5, TimeUnit.SECONDS)).as("the upstream saw its connection close").isTrue();
            awaitTrue(() -> server.upstreamConnections() == 0, "no upstream connection left");
        }
    }

    @Test
    void cancellingACallsStageAbortsItAndFreesItsConnection() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        try (RawServer silent = RawServer.start(socket -> {
            RawServer.readHead(socket);
            if (socket.getInputStream().read() < 0) {
                closed.countDown();
            }
        })) {
            Upstream slow = Upstream.of("slow", silent.url());
            PorticoServer server = serve(Gateway.builder().route(Route.get("/fallback").handler((request, context) -> {
                CompletableFuture<Response> call = context.send(slow, request).toCompletableFuture();
                return CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS))
                        .thenApply(ignored -> {
                            call.cancel(false);
                            return Response.json(200, "{\"fallback\":true}");
                        });
            })));

            RawHttp.Reply reply = get(server, "/fallback");

            assertThat(reply.body()).isEqualTo("{\"fallback\":true}");
            assertThat(closed.await(5, TimeUnit.SECONDS)).as("the upstream saw its connection close").isTrue();
            awaitTrue(() -> outcomes.size() == 1, "one outcome");
            assertThat(outcomes.get(0).kind()).isEqualTo(Kind.CANCELLED);
            awaitTrue(() -> server.upstreamConnections() == 0, "no upstream connection left");
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** Reads a request head, then writes these bytes. */
    private static void answer(Socket socket, String text) throws IOException {
        RawServer.readHead(socket);
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static void hold(Socket socket) throws IOException {
        RawServer.readHead(socket);
        socket.getInputStream().read();
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waited for " + what).isNegative();
            Thread.sleep(10);
        }
    }
}
