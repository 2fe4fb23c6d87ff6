package dev.portico.examples;

import dev.portico.core.upstream.Upstream;
import dev.portico.undertow.PorticoServer;
import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bench proxy over two instances, with the resilience it turns on (passive ejection, retries on another instance
 * within a budget): an instance killed under load and started again on its port costs GET clients nothing.
 */
class BenchProxyFailoverTest {

    private static final int CLIENTS = 8;

    @Test
    void killingOneOfTwoInstancesUnderLoadCostsGetClientsNoErrorAndTheRestartedInstanceGetsTrafficAgain() throws Exception {
        AtomicLong servedByA = new AtomicLong();
        AtomicLong servedByB = new AtomicLong();
        Undertow a = backend(0, counting(servedByA));
        Undertow b = backend(0, counting(servedByB));
        int portA = port(a);
        PorticoServer proxy = BenchProxy.fromEnvironment(Map.of("BENCH_PORT", "0",
                "BENCH_UPSTREAM", "http://127.0.0.1:" + portA + ",http://127.0.0.1:" + port(b)));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/item?id=7")).build();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong answered = new AtomicLong();
        Queue<String> errors = new ConcurrentLinkedQueue<>();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            Thread client = new Thread(() -> {
                while (running.get()) {
                    try {
                        HttpResponse<String> response = http.send(get, HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() == 200 && response.body().equals("item 7")) {
                            answered.incrementAndGet();
                        } else {
                            errors.add(response.statusCode() + " " + response.body());
                        }
                    } catch (Exception e) {
                        errors.add(e.toString());
                    }
                }
            }, "client-" + i);
            client.start();
            clients.add(client);
        }
        try {
            awaitAbove(servedByA, 100, Duration.ofSeconds(10));
            awaitAbove(servedByB, 100, Duration.ofSeconds(10));

            a.stop(); // killed under load: its connections close, its port refuses
            long answeredAtKill = answered.get();
            awaitAbove(answered, answeredAtKill + 500, Duration.ofSeconds(10));
            a = backend(portA, counting(servedByA)); // started again on the same port
            long servedAtRestart = servedByA.get();
            long restarted = System.nanoTime();
            awaitAbove(servedByA, servedAtRestart, Duration.ofSeconds(30));
            Duration back = Duration.ofNanos(System.nanoTime() - restarted);

            assertThat(back).as("the restarted instance gets traffic again").isLessThan(Duration.ofSeconds(30));
        } finally {
            running.set(false);
            for (Thread client : clients) {
                client.join(10_000);
            }
            proxy.stop(Duration.ZERO);
            a.stop();
            b.stop();
        }
        assertThat(errors).as("errors seen by GET clients").isEmpty();
        assertThat(answered.get()).isGreaterThan(1000);
    }

    @Test
    void aGetSentToAHungInstanceIsAnsweredByTheOtherAfterItsPerTryTimeout() throws Exception {
        AtomicLong reachedHung = new AtomicLong();
        Undertow hung = backend(0, exchange -> {
            reachedHung.incrementAndGet();
            exchange.dispatch(() -> { }); // accepts the request and never answers
        });
        Undertow healthy = backend(0, counting(new AtomicLong()));
        PorticoServer proxy = BenchProxy.fromEnvironment(Map.of("BENCH_PORT", "0",
                "BENCH_UPSTREAM", "http://127.0.0.1:" + port(hung) + ",http://127.0.0.1:" + port(healthy)));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try {
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + proxy.port() + "/item?id=" + i)).build(), HttpResponse.BodyHandlers.ofString());

                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.body()).isEqualTo("item " + i);
            }
            assertThat(reachedHung.get()).as("round robin sent some of them to the hung instance first").isPositive();
        } finally {
            proxy.stop(Duration.ZERO);
            hung.stop();
            healthy.stop();
        }
    }

    private static HttpHandler counting(AtomicLong served) {
        return exchange -> {
            served.incrementAndGet();
            exchange.getResponseSender().send("item " + exchange.getQueryParameters().get("id").getFirst());
        };
    }

    @Test
    void anInstanceIsNeverEjectedForLongerThanTheThirtySecondsARestartMayTakeToGetTrafficAgain() {
        Upstream upstream = BenchProxy.gateway("http://127.0.0.1:9001,http://127.0.0.1:9002").routes().get(0).upstream();

        // however often it was ejected before, a restarted instance is back in balancing when its ejection ends
        assertThat(upstream.outlierDetection().maxEjectionTime()).isLessThanOrEqualTo(Duration.ofSeconds(30));
    }

    private static Undertow backend(int port, HttpHandler handler) {
        Undertow server = Undertow.builder().addHttpListener(port, "127.0.0.1").setHandler(handler).build();
        server.start();
        return server;
    }

    private static int port(Undertow server) {
        return ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
    }

    private static void awaitAbove(AtomicLong counter, long floor, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (counter.get() <= floor && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(10);
        }
        assertThat(counter.get()).as("count within %s", within).isGreaterThan(floor);
    }
}
