package dev.portico.undertow;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.observe.Admin;
import dev.portico.core.resilience.CircuitBreaker;
import dev.portico.core.upstream.HealthCheck;
import dev.portico.core.upstream.OutlierDetection;
import dev.portico.core.upstream.Upstream;
import io.undertow.util.Headers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.portico.undertow.HostileUpstream.awaitOrFail;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Liveness, readiness, route listing and upstream state over real sockets, on the public port or an admin one. */
class AdminSocketTest {

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private Backend backend(AtomicBoolean sick) {
        Backend backend = Backend.start(exchange -> {
            exchange.setStatusCode(sick.get() && exchange.getRequestPath().equals("/health") ? 503 : 200);
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
            exchange.getResponseSender().send("ok");
        });
        resources.add(backend);
        return backend;
    }

    private static RawHttp.Reply get(int port, String path) throws Exception {
        return RawHttp.send(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    }

    private static JsonObject json(RawHttp.Reply reply) {
        return JsonParser.parseString(reply.body()).getAsJsonObject();
    }

    @Test
    void theAdminListenerServesHealthRoutesAndUpstreamsOffThePublicPort() throws Exception {
        Upstream users = Upstream.builder("users").instance(backend(new AtomicBoolean()).url())
                .circuitBreaker(CircuitBreaker.builder().build()).build();
        Admin admin = Admin.builder().requiredUpstream(users).build();
        PorticoServer server = PorticoServer.builder(Gateway.builder()
                        .route(Route.get("/api/users/{id}").id("users").to(users))
                        .route(Route.get("/local").id("local").handler((request, context) ->
                                CompletableFuture.completedFuture(dev.portico.core.Response.text(200, "here"))))
                        .build())
                .port(0).ioThreads(1).drainTimeout(Duration.ZERO).admin(admin, 0).start();
        resources.add(server);
        int adminPort = server.adminPort();
        assertThat(adminPort).isPositive().isNotEqualTo(server.port());

        assertThat(get(adminPort, "/health").status()).isEqualTo(200);
        assertThat(json(get(adminPort, "/health")).get("status").getAsString()).isEqualTo("up");
        RawHttp.Reply ready = get(adminPort, "/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(json(ready).get("status").getAsString()).isEqualTo("ready");
        for (String path : new String[] {"/health", "/ready", "/admin/routes", "/admin/upstreams"}) {
            assertThat(get(server.port(), path).status()).as(path + " on the public port").isEqualTo(404);
        }

        JsonArray routes = json(get(adminPort, "/admin/routes")).getAsJsonArray("routes");
        assertThat(routes).hasSize(2);
        JsonObject route = routes.get(0).getAsJsonObject();
        assertThat(route.get("id").getAsString()).isEqualTo("users");
        assertThat(route.get("pattern").getAsString()).isEqualTo("/api/users/{id}");
        assertThat(route.get("methods").getAsJsonArray().toString()).contains("GET");
        assertThat(route.get("upstream").getAsString()).isEqualTo("users");
        assertThat(routes.get(1).getAsJsonObject().has("upstream")).isFalse();

        JsonArray upstreams = json(get(adminPort, "/admin/upstreams")).getAsJsonArray("upstreams");
        assertThat(upstreams).hasSize(1);
        JsonObject state = upstreams.get(0).getAsJsonObject();
        assertThat(state.get("name").getAsString()).isEqualTo("users");
        assertThat(state.get("required").getAsBoolean()).isTrue();
        assertThat(state.get("healthy").getAsInt()).isEqualTo(1);
        assertThat(state.get("panic").getAsBoolean()).isFalse();
        assertThat(state.get("breaker").getAsString()).isEqualTo("CLOSED");
        JsonObject instance = state.getAsJsonArray("instances").get(0).getAsJsonObject();
        assertThat(instance.get("url").getAsString()).isEqualTo(users.endpoints().get(0).scheme() + "://"
                + users.endpoints().get(0).authority());
        assertThat(instance.get("healthy").getAsBoolean()).isTrue();
    }

    @Test
    void readinessIs503WhileARequiredUpstreamHasNoHealthyInstance() throws Exception {
        AtomicBoolean sick = new AtomicBoolean();
        Upstream users = Upstream.builder("users").instance(backend(sick).url())
                .healthCheck(HealthCheck.builder("/health").interval(Duration.ofMillis(50)).timeout(Duration.ofSeconds(1))
                        .unhealthyThreshold(2).healthyThreshold(2).build()).build();
        Admin admin = Admin.builder().requiredUpstream(users).build();
        PorticoServer server = PorticoServer.builder(Gateway.builder()
                        .route(Route.get("/api/users/{id}").to(users)).build())
                .port(0).ioThreads(1).drainTimeout(Duration.ZERO).admin(admin, 0).start();
        resources.add(server);
        int adminPort = server.adminPort();
        assertThat(get(adminPort, "/ready").status()).isEqualTo(200);

        sick.set(true);
        awaitOrFail(() -> status(adminPort, "/ready") == 503, Duration.ofSeconds(30), () -> "readiness 503");
        RawHttp.Reply notReady = get(adminPort, "/ready");
        assertThat(json(notReady).get("status").getAsString()).isEqualTo("not_ready");
        assertThat(json(notReady).getAsJsonArray("reasons").toString()).contains("upstream users has no healthy instance");
        JsonObject state = json(get(adminPort, "/admin/upstreams")).getAsJsonArray("upstreams").get(0).getAsJsonObject();
        assertThat(state.get("healthy").getAsInt()).isZero();
        assertThat(state.get("panic").getAsBoolean()).isTrue();
        JsonObject instance = state.getAsJsonArray("instances").get(0).getAsJsonObject();
        assertThat(instance.get("healthy").getAsBoolean()).isFalse();
        assertThat(instance.get("failingHealthCheck").getAsBoolean()).isTrue();
        assertThat(instance.get("ejected").getAsBoolean()).isFalse();
        assertThat(get(adminPort, "/health").status()).as("liveness does not depend on upstreams").isEqualTo(200);

        sick.set(false);
        awaitOrFail(() -> status(adminPort, "/ready") == 200, Duration.ofSeconds(30), () -> "readiness back to 200");
    }

    @Test
    void theUpstreamStateTellsAnEjectedInstanceFromOneFailingItsHealthCheck() throws Exception {
        Backend failing = Backend.start(exchange -> {
            exchange.setStatusCode(500);
            exchange.getResponseSender().send("down");
        });
        resources.add(failing);
        Upstream users = Upstream.builder("users").instance(failing.url()).instance(backend(new AtomicBoolean()).url())
                .outlierDetection(OutlierDetection.builder().consecutiveFailures(1).maxEjectedShare(0.5)
                        .baseEjectionTime(Duration.ofMinutes(5)).build())
                .build();
        PorticoServer server = PorticoServer.builder(Gateway.builder()
                        .route(Route.get("/api/users/{id}").to(users)).build())
                .port(0).ioThreads(1).drainTimeout(Duration.ZERO).admin(Admin.builder().build(), 0).start();
        resources.add(server);

        for (int i = 0; i < 2; i++) { // round robin: one of the two reaches the failing instance, which is ejected
            get(server.port(), "/api/users/" + i);
        }

        JsonObject state = json(get(server.adminPort(), "/admin/upstreams")).getAsJsonArray("upstreams").get(0)
                .getAsJsonObject();
        assertThat(state.get("healthy").getAsInt()).isEqualTo(1);
        JsonArray instances = state.getAsJsonArray("instances");
        JsonObject ejected = instances.get(0).getAsJsonObject();
        assertThat(ejected.get("url").getAsString()).isEqualTo(failing.url());
        assertThat(ejected.get("ejected").getAsBoolean()).isTrue();
        assertThat(ejected.get("failingHealthCheck").getAsBoolean()).isFalse();
        assertThat(ejected.get("healthy").getAsBoolean()).isFalse();
        JsonObject serving = instances.get(1).getAsJsonObject();
        assertThat(serving.get("ejected").getAsBoolean()).isFalse();
        assertThat(serving.get("healthy").getAsBoolean()).isTrue();
    }

    @Test
    void readinessOnTheAdminListenerIs503ThroughoutTheShutdownDelayAndTheDrain() throws Exception {
        Upstream users = Upstream.of("users", backend(new AtomicBoolean()).url());
        Admin admin = Admin.builder().build();
        PorticoServer server = PorticoServer.builder(Gateway.builder().route(Route.get("/api/users/{id}").to(users)).build())
                .port(0).ioThreads(1).shutdownDelay(Duration.ofSeconds(2)).drainTimeout(Duration.ZERO)
                .admin(admin, 0).start();
        int adminPort = server.adminPort();
        assertThat(get(adminPort, "/ready").status()).isEqualTo(200);

        CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(() -> server.stop(Duration.ofSeconds(5)));
        try {
            awaitOrFail(() -> status(adminPort, "/ready") == 503, Duration.ofSeconds(30), () -> "readiness 503");
            RawHttp.Reply notReady = get(adminPort, "/ready");
            assertThat(json(notReady).getAsJsonArray("reasons").toString()).contains("draining");
            if (!stopped.isDone()) { // within the shutdown delay the public port still serves
                assertThat(get(server.port(), "/api/users/1").status()).isEqualTo(200);
            }
            assertThat(get(adminPort, "/health").status()).isEqualTo(200);
        } finally {
            assertThat(stopped.get(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThatThrownBy(() -> new Socket("127.0.0.1", adminPort).close()).as("the admin listener is closed too")
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void readinessIs503WhileTheDrainWaitsForARequestInFlight() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Backend held = Backend.start(exchange -> exchange.dispatch(() -> { // a worker thread waits, not the IO thread
            arrived.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.getResponseSender().send("late");
        }));
        resources.add(held);
        PorticoServer server = PorticoServer.builder(Gateway.builder()
                        .route(Route.get("/slow").to(Upstream.of("slow", held.url()))).build())
                .port(0).ioThreads(1).shutdownDelay(Duration.ZERO).drainTimeout(Duration.ofSeconds(30))
                .admin(Admin.builder().build(), 0).start();
        int adminPort = server.adminPort();
        CompletableFuture<RawHttp.Reply> inFlight = CompletableFuture.supplyAsync(() -> {
            try {
                return get(server.port(), "/slow");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(arrived.await(30, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(() -> server.stop(Duration.ofSeconds(30)));
        try {
            awaitOrFail(() -> status(adminPort, "/ready") == 503, Duration.ofSeconds(30), () -> "readiness 503");
            assertThat(json(get(adminPort, "/ready")).getAsJsonArray("reasons").toString()).contains("draining");
            assertThat(stopped).as("the drain waits for the request").isNotDone();
            assertThat(inFlight).isNotDone();
        } finally {
            release.countDown();
        }
        assertThat(inFlight.get(30, TimeUnit.SECONDS).body()).isEqualTo("late");
        assertThat(stopped.get(30, TimeUnit.SECONDS)).as("drained").isTrue();
    }

    @Test
    void adminRoutesMountedOnThePublicPortReadTheServersReadiness() throws Exception {
        Admin admin = Admin.builder().build();
        Gateway.Builder gateway = Gateway.builder();
        admin.routes().forEach(gateway::route);
        PorticoServer server = PorticoServer.builder(gateway.build()).port(0).ioThreads(1)
                .shutdownDelay(Duration.ofSeconds(2)).drainTimeout(Duration.ZERO).admin(admin).start();
        assertThat(server.adminPort()).isEqualTo(-1);
        assertThat(get(server.port(), "/ready").status()).isEqualTo(200);
        assertThat(json(get(server.port(), "/admin/routes")).getAsJsonArray("routes")).hasSize(4);

        CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(() -> server.stop(Duration.ofSeconds(5)));
        try {
            awaitOrFail(() -> server.ready() == false, Duration.ofSeconds(30), () -> "stop begun");
            RawHttp.Reply during = get(server.port(), "/ready");
            assertThat(during.status()).isEqualTo(503); // the listener is open for the shutdown delay
            assertThat(json(during).getAsJsonArray("reasons").toString()).contains("draining");
        } finally {
            assertThat(stopped.get(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static int status(int port, String path) {
        try {
            return get(port, path).status();
        } catch (Exception e) {
            return -1;
        }
    }
}
