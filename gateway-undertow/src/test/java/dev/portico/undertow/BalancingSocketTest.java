package dev.portico.undertow;

import dev.portico.core.Context;
import dev.portico.core.Gateway;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.upstream.CallListener;
import dev.portico.core.upstream.CallOutcome;
import dev.portico.core.upstream.Endpoint;
import dev.portico.core.upstream.HashKey;
import dev.portico.core.upstream.LoadBalancer;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.portico.undertow.HostileUpstream.awaitOrFail;
import static org.assertj.core.api.Assertions.assertThat;

/** Each balancing policy over real backends, and the in-flight counts that least request relies on. */
class BalancingSocketTest {

    @AutoClose
    private final Closer resources = new Closer();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();


    private PorticoServer serve(Gateway.Builder gateway) {
        return resources.add(PorticoServer.builder(gateway.build()).port(0).ioThreads(2).drainTimeout(Duration.ZERO).start());
    }

    private Backend backend(String name) {
        return resources.add(Backend.start(exchange -> exchange.getResponseSender().send(name)));
    }

    private String get(PorticoServer server, String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    @Test
    void weightedRoundRobinGivesEachBackendItsWeightsShare() throws Exception {
        Upstream app = Upstream.builder("app")
                .instance(backend("a").url(), 3).instance(backend("b").url(), 2).instance(backend("c").url(), 1)
                .loadBalancer(LoadBalancer.weightedRoundRobin())
                .build();
        PorticoServer server = serve(Gateway.builder().route(Route.get("/who").to(app)));

        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 60; i++) {
            counts.merge(get(server, "/who"), 1, Integer::sum);
        }

        assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of("a", 30, "b", 20, "c", 10));
    }

    @Test
    void leastRequestSendsMostCallsToTheIdleInstanceWhenTheOtherIsSlow() throws Exception {
        Backend slow = resources.add(Backend.start(exchange -> {
            if (exchange.isInIoThread()) {
                exchange.dispatch(() -> {
                    try {
                        Thread.sleep(300);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    exchange.getResponseSender().send("slow");
                });
            }
        }));
        Upstream app = Upstream.builder("app").instance(slow.url()).instance(backend("quick").url())
                .loadBalancer(LoadBalancer.leastRequest()).build();
        PorticoServer server = serve(Gateway.builder().route(Route.get("/who").to(app)));

        Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            clients.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 20; i++) {
                    try {
                        counts.computeIfAbsent(get(server, "/who"), k -> new AtomicInteger()).incrementAndGet();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }));
        }
        CompletableFuture.allOf(clients.toArray(new CompletableFuture[0])).get();

        assertThat(counts.get("quick").get() + counts.getOrDefault("slow", new AtomicInteger()).get()).isEqualTo(80);
        assertThat(counts.get("quick").get()).isGreaterThanOrEqualTo(60);
    }

    @Test
    void consistentHashKeepsEachSessionOnOneBackend() throws Exception {
        Upstream app = Upstream.builder("app")
                .instance(backend("a").url()).instance(backend("b").url()).instance(backend("c").url())
                .loadBalancer(LoadBalancer.consistentHash(HashKey.cookie("session")))
                .build();
        PorticoServer server = serve(Gateway.builder().route(Route.get("/who").to(app)));

        Map<String, String> firstAnswer = new HashMap<>();
        for (int round = 0; round < 3; round++) {
            for (int user = 0; user < 20; user++) {
                String who = get(server, "/who", "Cookie", "theme=dark; session=user-" + user);
                assertThat(firstAnswer.putIfAbsent("user-" + user, who)).isIn(null, who);
            }
        }
        assertThat(firstAnswer.values()).containsOnly("a", "b", "c").contains("a", "b", "c");
    }

    /** Counts the attempts in flight per instance as least request does: from choice to final outcome. */
    private static final class Counting implements LoadBalancer, CallListener {
        final Map<Endpoint, AtomicInteger> inFlight = new ConcurrentHashMap<>();
        final AtomicInteger chosen = new AtomicInteger();
        final AtomicInteger ended = new AtomicInteger();
        final Set<CallOutcome.Kind> kinds = ConcurrentHashMap.newKeySet();

        @Override
        public Endpoint choose(List<Endpoint> endpoints, Request request, Context context) {
            chosen.incrementAndGet();
            inFlight.computeIfAbsent(endpoints.get(0), e -> new AtomicInteger()).incrementAndGet();
            return endpoints.get(0);
        }

        @Override
        public void onOutcome(CallOutcome outcome) {
            if (outcome.isFinal()) {
                kinds.add(outcome.kind());
                ended.incrementAndGet();
                inFlight.get(outcome.endpoint()).decrementAndGet();
            }
        }

        int total() {
            return inFlight.values().stream().mapToInt(AtomicInteger::get).sum();
        }
    }

    @Test
    void callsInFlightReturnToZeroWhateverWayEachCallEnds() throws Exception {
        Counting counting = new Counting();
        RawServer silent = resources.add(RawServer.start(socket -> {
            RawServer.readHead(socket);
            socket.getInputStream().read();
        }));
        RawServer halfBody = resources.add(RawServer.start(socket -> RawServer.answerAndHold(socket,
                "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten.."))); // then nothing
        Backend good = backend("ok");
        Map<String, Upstream> upstreams = new HashMap<>();
        for (Map.Entry<String, String> entry : Map.of("ok", good.url(), "refused", "http://127.0.0.1:" + RawServer.closedPort(),
                "silent", silent.url(), "half", halfBody.url()).entrySet()) {
            upstreams.put(entry.getKey(), Upstream.builder(entry.getKey()).instance(entry.getValue()).loadBalancer(counting).build());
        }
        PorticoServer server = serve(Gateway.builder().bodyIdleTimeout(Duration.ofMillis(300))
                .route(Route.get("/ok").to(upstreams.get("ok")))
                .route(Route.get("/refused").to(upstreams.get("refused")))
                .route(Route.get("/timeout").timeout(Duration.ofMillis(200)).to(upstreams.get("silent")))
                .route(Route.get("/cancelled").handler((request, context) -> {
                    CompletableFuture<Response> call = context.send(upstreams.get("silent"), request).toCompletableFuture();
                    CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS).execute(() -> call.cancel(false));
                    return call.exceptionally(failure -> Response.of(499));
                }))
                .route(Route.get("/stalled").to(upstreams.get("half")))
                .route(Route.get("/abandoned").to(upstreams.get("half"))));

        for (int i = 0; i < 3; i++) {
            assertThat(RawHttp.send(server.port(), "GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status()).isEqualTo(200);
            assertThat(RawHttp.send(server.port(), "GET /refused HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status()).isEqualTo(502);
            assertThat(RawHttp.send(server.port(), "GET /timeout HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status()).isEqualTo(504);
            assertThat(RawHttp.send(server.port(), "GET /cancelled HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status()).isEqualTo(499);
            readHeadAndLeave(server, "/abandoned"); // the body half read
            HostileUpstream.Client.get(server.port(), "/stalled"); // the body stalls past bodyIdleTimeout
        }

        awaitOrFail(() -> counting.chosen.get() == 18 && counting.ended.get() == 18 && counting.total() == 0,
                Duration.ofSeconds(30), () -> "chosen " + counting.chosen + ", ended " + counting.ended + ", in flight " + counting.inFlight);
        assertThat(counting.kinds).containsExactlyInAnyOrder(CallOutcome.Kind.BODY_FINISHED, CallOutcome.Kind.CONNECT_FAILURE,
                CallOutcome.Kind.TIMEOUT, CallOutcome.Kind.CANCELLED, CallOutcome.Kind.BODY_ABORTED);
        // the failed, cancelled and abandoned calls closed theirs: at most /ok's idle ones are left, one per IO thread
        awaitOrFail(() -> server.upstreamConnections() <= 2, Duration.ofSeconds(30), () -> server.upstreamConnections() + " open");
    }

    /** Sends a request, reads the start of the response, then closes the connection. */
    private static void readHeadAndLeave(PorticoServer server, String path) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            assertThat(in.read(new byte[64])).isPositive();
        }
    }
}
