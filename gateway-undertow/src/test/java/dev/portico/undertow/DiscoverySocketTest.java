package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.upstream.DnsDiscovery;
import dev.portico.core.upstream.Endpoint;
import dev.portico.core.upstream.Upstream;
import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.portico.undertow.HostileUpstream.awaitOrFail;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * DNS discovery over real sockets, with a resolver the test controls: instances appear and leave without a restart,
 * a call in flight on one that left finishes, and its pooled connections are closed.
 */
class DiscoverySocketTest {

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void stop() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    /** Starts a backend on this loopback address and port. */
    private void backend(String host, int port, HttpHandler handler) {
        Undertow server = Undertow.builder().addHttpListener(port, host).setHandler(handler).build();
        server.start();
        resources.add(server::stop);
    }

    private CompletableFuture<HttpResponse<String>> get(PorticoServer server, String path) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void instancesFollowDnsAndACallInFlightOnOneThatLeftFinishes() throws Exception {
        int port = RawServer.closedPort();
        CountDownLatch slowArrived = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        backend("127.0.0.1", port, exchange -> {
            if (exchange.getRequestPath().equals("/slow")) {
                if (exchange.isInIoThread()) {
                    exchange.dispatch(() -> {
                        slowArrived.countDown();
                        try {
                            release.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        exchange.getResponseSender().send("a, slowly");
                    });
                }
                return;
            }
            exchange.getResponseSender().send("a");
        });
        backend("127.0.0.2", port, exchange -> exchange.getResponseSender().send("b"));
        AtomicReference<List<InetAddress>> dns = new AtomicReference<>(List.of(InetAddress.getByName("127.0.0.1")));
        Upstream app = Upstream.builder("app")
                .discovery(DnsDiscovery.builder("http://app.internal:" + port).interval(Duration.ofMillis(50))
                        .resolver(host -> dns.get()).build())
                .build();
        PorticoServer server = PorticoServer.builder(Gateway.builder().idleConnectionTimeout(Duration.ofSeconds(60))
                .route(Route.get("/who").to(app)).route(Route.get("/slow").to(app)).build())
                .port(0).drainTimeout(Duration.ZERO).start();
        resources.add(server);
        awaitOrFail(() -> app.endpoints().size() == 1, Duration.ofSeconds(30), () -> "the first lookup");

        CompletableFuture<HttpResponse<String>> slow = get(server, "/slow");
        assertThat(slowArrived.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(get(server, "/who").get(30, TimeUnit.SECONDS).body()).isEqualTo("a");
        awaitOrFail(() -> server.upstreamConnections() == 2, Duration.ofSeconds(30), () -> "a busy and an idle connection");

        dns.set(List.of(InetAddress.getByName("127.0.0.2")));
        awaitOrFail(() -> app.endpoints().equals(List.of(new Endpoint("http", "127.0.0.2", port, ""))),
                Duration.ofSeconds(30), () -> "the change");
        awaitOrFail(() -> server.upstreamConnections() == 1, Duration.ofSeconds(30), () -> "the idle connection closed");
        assertThat(get(server, "/who").get(30, TimeUnit.SECONDS).body()).isEqualTo("b");

        release.countDown();
        HttpResponse<String> finished = slow.get(30, TimeUnit.SECONDS);
        assertThat(finished.statusCode()).isEqualTo(200);
        assertThat(finished.body()).isEqualTo("a, slowly");
        awaitOrFail(() -> server.upstreamConnections() == 1, Duration.ofSeconds(30),
                () -> "the finished call's connection closed, b's idle one kept");

        dns.set(List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("127.0.0.2")));
        awaitOrFail(() -> app.endpoints().size() == 2, Duration.ofSeconds(30), () -> "a back");
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            answers.add(get(server, "/who").get(30, TimeUnit.SECONDS).body());
        }
        assertThat(answers).contains("a", "b");
    }

    @Test
    void anInstanceDnsDropsFromOneUpstreamKeepsItsIdleConnectionWhileAnotherUpstreamHasIt() throws Exception {
        int port = RawServer.closedPort();
        // answers with the client port of the connection: the same port means the same connection
        backend("127.0.0.1", port, exchange -> exchange.getResponseSender()
                .send(String.valueOf(exchange.getSourceAddress().getPort())));
        AtomicReference<List<InetAddress>> dns = new AtomicReference<>(List.of(InetAddress.getByName("127.0.0.1")));
        Upstream fixed = Upstream.of("fixed", "http://127.0.0.1:" + port);
        Upstream found = Upstream.builder("found")
                .discovery(DnsDiscovery.builder("http://app.internal:" + port).interval(Duration.ofMillis(50))
                        .resolver(host -> dns.get()).build())
                .build();
        PorticoServer server = PorticoServer.builder(Gateway.builder().idleConnectionTimeout(Duration.ofSeconds(60))
                .route(Route.get("/fixed").to(fixed)).route(Route.get("/found").to(found)).build())
                .port(0).ioThreads(1).drainTimeout(Duration.ZERO).start(); // one IO thread: one pool of idle connections
        resources.add(server);
        awaitOrFail(() -> found.endpoints().equals(fixed.endpoints()), Duration.ofSeconds(30), () -> "the first lookup");
        String before = get(server, "/fixed").get(30, TimeUnit.SECONDS).body();
        awaitOrFail(() -> server.upstreamConnections() == 1, Duration.ofSeconds(30), () -> "the idle connection");

        dns.set(List.of(InetAddress.getByName("127.0.0.2")));
        awaitOrFail(() -> found.endpoints().get(0).host().equals("127.0.0.2"), Duration.ofSeconds(30), () -> "the change");
        Thread.sleep(100); // a retirement runs on the connection's IO thread: give it the time to close it

        assertThat(server.upstreamConnections()).as("fixed still has the instance: its idle connection stays").isEqualTo(1);
        assertThat(get(server, "/fixed").get(30, TimeUnit.SECONDS).body()).as("and is reused").isEqualTo(before);
    }

    @Test
    void aFailedLookupKeepsServingTheLastGoodInstances() throws Exception {
        int port = RawServer.closedPort();
        backend("127.0.0.1", port, exchange -> exchange.getResponseSender().send("a"));
        AtomicReference<Boolean> failing = new AtomicReference<>(false);
        Upstream app = Upstream.builder("app")
                .discovery(DnsDiscovery.builder("http://app.internal:" + port).interval(Duration.ofMillis(20))
                        .resolver(host -> {
                            if (failing.get()) {
                                throw new java.net.UnknownHostException(host);
                            }
                            return List.of(InetAddress.getByName("127.0.0.1"));
                        }).build())
                .build();
        PorticoServer server = PorticoServer.builder(Gateway.builder().route(Route.get("/who").to(app)).build())
                .port(0).drainTimeout(Duration.ZERO).start();
        resources.add(server);
        awaitOrFail(() -> app.endpoints().size() == 1, Duration.ofSeconds(30), () -> "the first lookup");

        failing.set(true);
        Thread.sleep(200);

        assertThat(get(server, "/who").get(30, TimeUnit.SECONDS).body()).isEqualTo("a");
        assertThat(app.endpoints()).hasSize(1);
    }
}
