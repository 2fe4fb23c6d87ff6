package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.resilience.RetryBudget;
import dev.portico.core.resilience.RetryPolicy;
import dev.portico.core.upstream.CallOutcome;
import dev.portico.core.upstream.CallOutcome.Kind;
import dev.portico.core.upstream.Upstream;
import io.undertow.Undertow;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Retries over real sockets: instances that are killed and come back on the same port, refuse connections, reset,
 * hang or answer 5xx; every upstream attempt is counted on the upstream's side.
 */
class RetrySocketTest {

    private static final RetryPolicy QUICK = RetryPolicy.builder().maxAttempts(3)
            .backoff(Duration.ofMillis(5), Duration.ofMillis(50)).build();

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void stop() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private PorticoServer serve(Route.Builder... routes) {
        Gateway.Builder gateway = Gateway.builder();
        for (Route.Builder route : routes) {
            gateway.route(route);
        }
        PorticoServer server = PorticoServer.builder(gateway.build()).port(0).drainTimeout(Duration.ZERO).start();
        resources.add(server);
        return server;
    }

    private HostileUpstream hostile(HostileUpstream.Script script) throws IOException {
        HostileUpstream upstream = HostileUpstream.start(script);
        resources.add(upstream);
        return upstream;
    }

    private static RawHttp.Reply get(PorticoServer server, String target) throws IOException {
        return RawHttp.send(server.port(), "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    }

    private static RawHttp.Reply post(PorticoServer server, String target, String body) throws IOException {
        return RawHttp.send(server.port(), "POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length()
                + "\r\nConnection: close\r\n\r\n" + body);
    }

    /** An Undertow backend on a given port (0 for any) that answers its name and counts its requests. */
    private static final class Instance implements AutoCloseable {
        final Undertow server;
        final AtomicInteger requests = new AtomicInteger();

        Instance(String name, int port) {
            server = Undertow.builder().addHttpListener(port, "127.0.0.1").setHandler(exchange -> {
                requests.incrementAndGet();
                exchange.getResponseSender().send(name);
            }).build();
            server.start();
        }

        int port() {
            return ((java.net.InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
        }

        @Override
        public void close() {
            server.stop();
        }
    }

    @Test
    void idempotentTrafficContinuesWithZeroErrorsWhileAnInstanceIsKilledAndComesBackOnItsPort() throws Exception {
        Instance a = new Instance("a", 0);
        resources.add(a);
        Instance b = new Instance("b", 0);
        int bPort = b.port();
        // four clients need at most four retries in flight; the default budget's minimum of three could refuse the
        // fourth, since nothing ejects the dead instance here (outlier ejection is what ends the retries for good)
        PorticoServer server = serve(Route.get("/who").retries(QUICK)
                .to(Upstream.builder("app").instance("http://127.0.0.1:" + a.port()).instance("http://127.0.0.1:" + bPort)
                        .retryBudget(RetryBudget.of(0.2, 4)).build()));
        URI uri = URI.create("http://127.0.0.1:" + server.port() + "/who");
        AtomicInteger done = new AtomicInteger();
        Map<String, Integer> errors = new ConcurrentHashMap<>();
        int clients = 4;
        int each = 150;
        CountDownLatch finished = new CountDownLatch(clients);
        for (int c = 0; c < clients; c++) {
            Thread client = new Thread(() -> {
                try {
                    for (int i = 0; i < each; i++) {
                        try {
                            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (response.statusCode() != 200) {
                                errors.merge(response.statusCode() + " " + response.body(), 1, Integer::sum);
                            }
                        } catch (IOException | InterruptedException e) {
                            errors.merge(e.toString(), 1, Integer::sum);
                        }
                        done.incrementAndGet();
                    }
                } finally {
                    finished.countDown();
                }
            });
            client.setDaemon(true);
            client.start();
        }

        HostileUpstream.awaitOrFail(() -> done.get() >= 150, Duration.ofSeconds(30), () -> "150 requests");
        int beforeKill = b.requests.get();
        b.close();
        HostileUpstream.awaitOrFail(() -> done.get() >= 350, Duration.ofSeconds(30), () -> "350 requests");
        Instance restarted = new Instance("b", bPort);
        resources.add(restarted);
        assertThat(finished.await(60, TimeUnit.SECONDS)).as("all clients finished").isTrue();

        assertThat(errors).as("client errors").isEmpty();
        assertThat(beforeKill).as("b served before it was killed").isPositive();
        assertThat(restarted.requests.get()).as("b serves again once back on its port").isPositive();
    }

    @Test
    void aRefusedConnectionAndAResetBeforeTheResponseAreRetriedOnAnotherInstance() throws Exception {
        Instance good = new Instance("good", 0);
        resources.add(good);
        HostileUpstream resetting = hostile(HostileUpstream.Exchange::reset);
        PorticoServer server = serve(
                Route.get("/refused").retries(QUICK).to(Upstream.of("refused", "http://127.0.0.1:" + closedPort(),
                        "http://127.0.0.1:" + good.port())),
                Route.get("/reset").retries(QUICK).to(Upstream.of("reset", resetting.url(),
                        "http://127.0.0.1:" + good.port())));

        for (int i = 0; i < 4; i++) {
            assertThat(get(server, "/refused").body()).isEqualTo("good");
            assertThat(get(server, "/reset").body()).isEqualTo("good");
        }

        assertThat(resetting.requests()).as("the resetting instance was tried (round robin)").isEqualTo(2);
        assertThat(good.requests.get()).isEqualTo(8);
    }

    @Test
    void aResetMidResponseIsNotRetriedAndTheClientSeesTheBrokenResponse() throws Exception {
        HostileUpstream cut = hostile(ex -> {
            ex.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
            ex.reset();
        });
        PorticoServer server = serve(Route.get("/cut").retries(QUICK).to(Upstream.of("cut", cut.url(), cut.url())));

        assertThatThrownBy(() -> get(server, "/cut")).as("the connection is reset where the upstream broke off")
                .isInstanceOf(java.net.SocketException.class);
        assertThat(cut.requests()).isEqualTo(1);
    }

    /** Without a length the close ends the response: a broken one must end with a reset, or it looks complete. */
    @Test
    void aResponseWithoutALengthThatBreaksOffEndsWithAResetNotAClose() throws Exception {
        HostileUpstream cut = hostile(ex -> {
            ex.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
            ex.reset();
        });
        PorticoServer server = serve(Route.get("/cut").to(Upstream.of("cut", cut.url())));

        try (java.net.Socket client = new java.net.Socket("127.0.0.1", server.port())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write("GET /cut HTTP/1.0\r\nHost: x\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            java.io.InputStream in = client.getInputStream();
            java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();

            assertThatThrownBy(() -> {
                for (int b = in.read(); b >= 0; b = in.read()) {
                    received.write(b);
                }
            }).as("a reset, after " + received).isInstanceOf(java.net.SocketException.class);
            assertThat(received.toString(java.nio.charset.StandardCharsets.US_ASCII)).startsWith("HTTP/1.0 200")
                    .doesNotContain("Content-Length", "chunked");
        }
    }

    @Test
    void aNonIdempotentRequestIsNotRetried() throws Exception {
        HostileUpstream busy = hostile(ex -> {
            ex.body();
            ex.send("HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy");
        });
        HostileUpstream refusing = hostile(HostileUpstream.Exchange::reset);
        PorticoServer server = serve(
                Route.post("/busy").retries(QUICK).to(Upstream.of("busy", busy.url(), busy.url())),
                Route.post("/reset").retries(QUICK).to(Upstream.of("reset", refusing.url(), refusing.url())));

        RawHttp.Reply answered = post(server, "/busy", "order");
        RawHttp.Reply reset = post(server, "/reset", "order");

        assertThat(answered.status()).isEqualTo(503);
        assertThat(answered.body()).isEqualTo("busy");
        assertThat(busy.requests()).isEqualTo(1);
        assertThat(reset.status()).isEqualTo(502);
        assertThat(refusing.requests()).isEqualTo(1);
    }

    @Test
    void aRetried503sBodyIsDiscardedSoItsConnectionIsReused() throws Exception {
        HostileUpstream busy = hostile(ex -> ex.send("HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy"));
        Instance good = new Instance("good", 0);
        resources.add(good);
        PorticoServer server = PorticoServer.builder(Gateway.builder().route(Route.get("/a").retries(QUICK)
                        .to(Upstream.of("app", busy.url(), "http://127.0.0.1:" + good.port()))).build())
                .port(0).ioThreads(1).drainTimeout(Duration.ZERO).start();
        resources.add(server);

        for (int i = 0; i < 6; i++) {
            assertThat(get(server, "/a").body()).isEqualTo("good");
        }

        assertThat(busy.requests()).isEqualTo(3);
        assertThat(busy.accepted()).as("the discarded 503s left their connection reusable: %s", busy.describe())
                .isEqualTo(1);
    }

    @Test
    void theBudgetCapsRetriesUnderAFullOutage() throws Exception {
        int clients = 20;
        CountDownLatch firstWave = new CountDownLatch(1);
        CountDownLatch retries = new CountDownLatch(1);
        AtomicInteger seen = new AtomicInteger();
        HostileUpstream down = hostile(ex -> {
            // the first 20 attempts wait for the test, then all fail at once; retries then wait too, so that every
            // retry admitted by the budget is still in flight while the others decide
            ex.await(seen.incrementAndGet() <= clients ? firstWave : retries, Duration.ofSeconds(20));
            ex.send("HTTP/1.1 503 Down\r\nContent-Length: 4\r\n\r\ndown");
        });
        Upstream app = Upstream.builder("app").instance(down.url()).instance(down.url())
                .retryBudget(RetryBudget.of(0.2, 3)).build();
        PorticoServer server = serve(Route.get("/a").retries(QUICK).to(app));
        URI uri = URI.create("http://127.0.0.1:" + server.port() + "/a");
        List<CompletableFuture<HttpResponse<String>>> replies = new CopyOnWriteArrayList<>();
        for (int i = 0; i < clients; i++) {
            replies.add(http.sendAsync(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()));
        }
        HostileUpstream.awaitOrFail(() -> down.requests() >= clients, Duration.ofSeconds(20), () -> "20 first attempts");

        firstWave.countDown();
        HostileUpstream.awaitOrFail(() -> replies.stream().filter(CompletableFuture::isDone).count() >= clients - 4,
                Duration.ofSeconds(20), () -> "the answers of the requests the budget refused a retry");
        int retriesAdmitted = down.requests() - clients;
        retries.countDown();
        for (CompletableFuture<HttpResponse<String>> reply : replies) {
            HttpResponse<String> response = reply.get(20, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.body()).isEqualTo("down");
        }

        // 20% of 20 active requests is 4: without the budget, 3 attempts each would make 60
        assertThat(retriesAdmitted).as("retries admitted while 20 requests were active").isBetween(3, 4);
        assertThat(down.requests()).as("all attempts").isBetween(clients + 3, clients + 8);
        assertThat(app.activeRequests()).isZero();
    }

    @Test
    void retriesStayInsideTheRoutesTimeout() throws Exception {
        HostileUpstream hung = hostile(ex -> ex.await(new CountDownLatch(1), Duration.ofSeconds(30)));
        RetryPolicy patient = RetryPolicy.builder().maxAttempts(10).backoff(Duration.ofMillis(5), Duration.ofMillis(20))
                .perTryTimeout(Duration.ofSeconds(1)).build();
        PorticoServer server = serve(Route.get("/hung").timeout(Duration.ofMillis(1500)).retries(patient)
                .to(Upstream.of("hung", hung.url(), hung.url())));
        long started = System.nanoTime();

        RawHttp.Reply reply = get(server, "/hung");

        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(reply.status()).isEqualTo(504);
        assertThat(reply.body()).contains("gateway_timeout");
        // ten attempts of 1 s each would take 10 s; the 1.5 s timeout leaves room for two
        assertThat(took).isLessThan(Duration.ofSeconds(6));
        assertThat(hung.requests()).isBetween(1, 2);
    }

    @Test
    void anAttemptCutByTheCallsDeadlineIsReportedAsATimeoutSoOutlierDetectionCountsIt() throws Exception {
        HostileUpstream hung = hostile(ex -> ex.await(new CountDownLatch(1), Duration.ofSeconds(30)));
        List<CallOutcome> outcomes = new CopyOnWriteArrayList<>();
        // no perTryTimeout: the first attempt has the whole deadline, which passes before the transport's own timer
        Gateway gateway = Gateway.builder().callListener(outcomes::add).route(Route.get("/hung")
                .timeout(Duration.ofMillis(500)).retries(QUICK).to(Upstream.of("hung", hung.url()))).build();
        PorticoServer server = PorticoServer.builder(gateway).port(0).drainTimeout(Duration.ZERO).start();
        resources.add(server);

        RawHttp.Reply reply = get(server, "/hung");

        assertThat(reply.status()).isEqualTo(504);
        assertThat(reply.body()).contains("upstream hung did not answer within 500 ms");
        HostileUpstream.awaitOrFail(() -> !outcomes.isEmpty(), Duration.ofSeconds(10), () -> "the attempt's outcome");
        assertThat(outcomes).singleElement().satisfies(outcome ->
                assertThat(outcome.kind()).as("not CANCELLED, which outlier detection ignores").isEqualTo(Kind.TIMEOUT));
    }

    private static int closedPort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }
}
