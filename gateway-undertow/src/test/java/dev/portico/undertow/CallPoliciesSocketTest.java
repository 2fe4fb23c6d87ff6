package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.resilience.CircuitBreaker;
import dev.portico.core.resilience.CircuitBreaker.State;
import dev.portico.core.resilience.UpstreamErrors;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The circuit breaker, the per-upstream request cap and 5xx mapping over real sockets. */
class CallPoliciesSocketTest {

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private PorticoServer serve(Route.Builder route) {
        PorticoServer server = PorticoServer.builder(Gateway.builder().route(route).build()).port(0)
                .drainTimeout(Duration.ZERO).start();
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

    @Test
    void theBreakerOpensOnFailuresAnswers503AtOnceThenHalfOpensAndCloses() throws Exception {
        AtomicBoolean healthy = new AtomicBoolean(false);
        HostileUpstream app = hostile(ex -> ex.send(healthy.get()
                ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                : "HTTP/1.1 500 Oops\r\nContent-Length: 4\r\n\r\noops"));
        AtomicLong now = new AtomicLong();
        List<String> transitions = new CopyOnWriteArrayList<>();
        CircuitBreaker breaker = CircuitBreaker.builder().window(4, 4).openFor(Duration.ofSeconds(30))
                .halfOpenCalls(2).ticker(now::get).listener((from, to) -> transitions.add(from + ">" + to)).build();
        PorticoServer server = serve(Route.get("/a")
                .to(Upstream.builder("app").instance(app.url()).circuitBreaker(breaker).build()));

        for (int i = 0; i < 4; i++) {
            assertThat(get(server, "/a").status()).isEqualTo(500);
        }
        RawHttp.Reply refused = get(server, "/a");

        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.body()).contains("\"error\":\"service_unavailable\"");
        assertThat(refused.header("Retry-After")).isEqualTo("30");
        assertThat(app.requests()).as("the open breaker kept the call from the upstream").isEqualTo(4);

        now.addAndGet(Duration.ofSeconds(30).toNanos());
        healthy.set(true);
        assertThat(get(server, "/a").body()).isEqualTo("ok");
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        assertThat(get(server, "/a").body()).isEqualTo("ok");

        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(transitions).containsExactly("CLOSED>OPEN", "OPEN>HALF_OPEN", "HALF_OPEN>CLOSED");
        assertThat(app.requests()).isEqualTo(6);
    }

    /**
     * A client that stalls its upload behind a filter that maps the body is the client's fault: 408, reported as
     * cancelled; if it counted as the upstream's timeout, a few such clients would open the breaker for everyone.
     */
    @Test
    void clientsThatStallAMappedUploadNeverOpenTheBreaker() throws Exception {
        HostileUpstream app = hostile(ex -> {
            ex.body(); // answers only a whole request, as most services do
            ex.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        });
        CircuitBreaker breaker = CircuitBreaker.builder().window(2, 2).build();
        PorticoServer server = serve(Route.any("/a").timeout(Duration.ofMillis(300))
                .filter((request, chain) -> chain.proceed(request.toBuilder().body(request.body().map(b -> b)).build()))
                .to(Upstream.builder("app").instance(app.url()).circuitBreaker(breaker).build()));

        for (int i = 0; i < 4; i++) {
            try (java.net.Socket stalling = new java.net.Socket("127.0.0.1", server.port())) {
                stalling.setSoTimeout(10_000);
                stalling.getOutputStream().write(("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
                        + "x".repeat(10)).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                RawHttp.Reply stalled = RawHttp.read(stalling.getInputStream());

                assertThat(stalled.status()).isEqualTo(408);
                assertThat(stalled.body()).contains("\"error\":\"request_timeout\"");
            }
        }

        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(get(server, "/a").body()).isEqualTo("ok");
    }

    @Test
    void aHungUpstreamOpensTheBreakerThroughTimeouts() throws Exception {
        HostileUpstream hung = hostile(ex -> ex.await(new CountDownLatch(1), Duration.ofSeconds(30)));
        CircuitBreaker breaker = CircuitBreaker.builder().window(2, 2)
                .fallback(Response.json(200, "{\"cached\":true}")).build();
        PorticoServer server = serve(Route.get("/a").timeout(Duration.ofMillis(200))
                .to(Upstream.builder("hung").instance(hung.url()).circuitBreaker(breaker).build()));

        assertThat(get(server, "/a").status()).isEqualTo(504);
        assertThat(get(server, "/a").status()).isEqualTo(504);
        RawHttp.Reply fallback = get(server, "/a");

        assertThat(fallback.status()).isEqualTo(200);
        assertThat(fallback.body()).isEqualTo("{\"cached\":true}");
        assertThat(hung.requests()).isEqualTo(2);
    }

    @Test
    void overTheUpstreamsCapRequestsGet503JsonAtOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        HostileUpstream slow = hostile(ex -> {
            ex.await(release, Duration.ofSeconds(20));
            ex.send("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslow");
        });
        Upstream capped = Upstream.builder("slow").instance(slow.url()).maxConcurrentRequests(2).build();
        PorticoServer server = serve(Route.get("/a").to(capped));
        List<CompletableFuture<RawHttp.Reply>> held = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            held.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return get(server, "/a");
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        HostileUpstream.awaitOrFail(() -> slow.requests() == 2, Duration.ofSeconds(10), () -> "two held requests");

        long started = System.nanoTime();
        RawHttp.Reply shed = get(server, "/a");
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(shed.status()).isEqualTo(503);
        assertThat(shed.body()).contains("\"error\":\"service_unavailable\"").contains("request limit");
        assertThat(took).as("answered without waiting for the upstream").isLessThan(Duration.ofSeconds(5));
        assertThat(slow.requests()).isEqualTo(2);
        release.countDown();
        for (CompletableFuture<RawHttp.Reply> reply : held) {
            assertThat(reply.get(10, TimeUnit.SECONDS).body()).isEqualTo("slow");
        }
        assertThat(get(server, "/a").body()).as("a slot is free again").isEqualTo("slow");
        assertThat(capped.activeRequests()).isZero();
    }

    @Test
    void upstream5xxBecomesTheGateways502JsonWhenReplacedAnd4xxPassesThrough() throws Exception {
        HostileUpstream app = hostile(ex -> ex.send(ex.path().equals("/missing")
                ? "HTTP/1.1 404 Not Found\r\nContent-Length: 7\r\n\r\nmissing"
                : "HTTP/1.1 500 Oops\r\nContent-Length: 23\r\n\r\nNullPointerException at"));
        PorticoServer server = serve(Route.get("/**").upstreamErrors(UpstreamErrors.REPLACE)
                .to(Upstream.of("app", app.url())));

        RawHttp.Reply replaced = get(server, "/boom");
        RawHttp.Reply missing = get(server, "/missing");

        assertThat(replaced.status()).isEqualTo(502);
        assertThat(replaced.bodyWithoutRequestId()).isEqualTo("{\"error\":\"bad_gateway\",\"message\":\"upstream app answered 500\"}");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.body()).isEqualTo("missing");
    }

    @Test
    void upstream5xxPassesThroughByDefault() throws Exception {
        HostileUpstream app = hostile(ex -> ex.send("HTTP/1.1 500 Oops\r\nContent-Length: 4\r\n\r\noops"));
        PorticoServer server = serve(Route.get("/a").to(Upstream.of("app", app.url())));

        RawHttp.Reply reply = get(server, "/a");

        assertThat(reply.status()).isEqualTo(500);
        assertThat(reply.body()).isEqualTo("oops");
    }
}
