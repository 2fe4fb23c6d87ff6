package dev.portico.test;

import dev.portico.core.Gateway;
import dev.portico.core.Request;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a built gateway against stubbed upstreams and sends it requests: {@link #of} runs the whole pipeline in
 * memory, on the caller's thread and a controllable {@link TestClock}; {@link #started} serves the same gateway on a
 * real {@code PorticoServer} on port 0 with a real stub server per upstream. A call to an upstream without a stub
 * fails the test, naming it.
 *
 * <pre>{@code
 * GatewayTester tester = GatewayTester.of(gateway)
 *         .stub("users", request -> Response.json(200, "{\"id\":\"42\"}"))
 *         .build();
 * TestResponse response = tester.get("/api/users/42").header("Authorization", "Bearer " + token).send();
 * List<Request> seen = tester.requests("users");
 * }</pre>
 */
public final class GatewayTester implements AutoCloseable {

    /** How long a {@link TestRequest#send()} waits for a response that depends on another thread. */
    private static final long WAIT_SECONDS = 30;

    private final Gateway gateway;
    private final Recorder recorder;
    private final Mode mode;

    private GatewayTester(Builder b) {
        this.gateway = b.gateway;
        this.recorder = new Recorder();
        Map<String, Stub> stubs = Map.copyOf(b.stubs);
        this.mode = b.started ? new Started(gateway, stubs, recorder) : new InMemory(gateway, stubs, recorder, b.clock);
    }

    /** Returns a builder of a tester that runs {@code gateway} in memory: no sockets, no threads of its own. */
    public static Builder of(Gateway gateway) {
        return new Builder(gateway, false);
    }

    /**
     * Returns a builder of a tester that serves {@code gateway} on a real {@code PorticoServer} on port 0, its
     * upstreams pointed at real stub servers until {@link #close()}, which stops the server and so closes the gateway.
     */
    public static Builder started(Gateway gateway) {
        return new Builder(gateway, true);
    }

    /** Returns a GET request to send. */
    public TestRequest get(String path) {
        return request("GET", path);
    }

    /** Returns a DELETE request to send. */
    public TestRequest delete(String path) {
        return request("DELETE", path);
    }

    /** Returns a POST request with this UTF-8 body to send. */
    public TestRequest post(String path, String body) {
        return request("POST", path).body(body);
    }

    /** Returns a PUT request with this UTF-8 body to send. */
    public TestRequest put(String path, String body) {
        return request("PUT", path).body(body);
    }

    /** Returns a PATCH request with this UTF-8 body to send. */
    public TestRequest patch(String path, String body) {
        return request("PATCH", path).body(body);
    }

    /** Returns a request with any method to send; {@code path} may carry a query ({@code /search?q=a}), percent-encoded. */
    public TestRequest request(String method, String path) {
        return new TestRequest(this, method, path);
    }

    /**
     * Returns what the upstream named {@code upstream} received so far, oldest first, after the gateway's changes
     * (its headers, path and body as sent upstream).
     */
    public List<Request> requests(String upstream) {
        return recorder.requests(Objects.requireNonNull(upstream, "upstream"));
    }

    /**
     * Returns the clock the gateway runs on in memory; a started tester runs on the system's time and has none
     * ({@link IllegalStateException}).
     */
    public TestClock clock() {
        return mode.clock();
    }

    /**
     * Returns a started tester's base URI ({@code http://127.0.0.1:port}), for clients of the test's own (a streaming
     * or WebSocket client); one in memory has none ({@link IllegalStateException}).
     */
    public URI uri() {
        return mode.uri();
    }

    /** Returns the gateway under test. */
    public Gateway gateway() {
        return gateway;
    }

    /** Stops a started tester's server and stub servers and gives the upstreams their instances back; in memory, nothing. */
    @Override
    public void close() {
        mode.close();
    }

    TestResponse send(TestRequest request) {
        CompletableFuture<TestResponse> response = mode.exchange(request);
        mode.settle(response);
        try {
            TestResponse answered = response.get(WAIT_SECONDS, TimeUnit.SECONDS);
            recorder.check();
            return answered;
        } catch (TimeoutException e) {
            recorder.check();
            throw new AssertionError("the gateway did not answer " + request.method() + ' ' + request.target()
                    + " within " + WAIT_SECONDS + " s" + mode.stalled());
        } catch (ExecutionException e) {
            recorder.check();
            throw e.getCause() instanceof AssertionError error ? error
                    : new AssertionError("sending " + request.method() + ' ' + request.target() + " failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for the gateway", e);
        }
    }

    CompletableFuture<TestResponse> sendAsync(TestRequest request) {
        return mode.exchange(request);
    }

    /** How the tester runs the gateway: in memory, or started on sockets. */
    interface Mode extends AutoCloseable {

        /** Sends one request; the stage completes with the whole response. */
        CompletableFuture<TestResponse> exchange(TestRequest request);

        /** Helps a response to complete before {@link #send} waits for it (in memory: moves the clock). */
        void settle(CompletableFuture<TestResponse> response);

        /** Says why a response may have stalled, for the failure message. */
        String stalled();

        TestClock clock();

        URI uri();

        @Override
        void close();
    }

    /** A builder of {@link GatewayTester}. */
    public static final class Builder {

        private final Gateway gateway;
        private final boolean started;
        private final Map<String, Stub> stubs = new LinkedHashMap<>();
        private TestClock clock;

        private Builder(Gateway gateway, boolean started) {
            this.gateway = Objects.requireNonNull(gateway, "gateway");
            this.started = started;
        }

        /** Answers the calls to the upstream named {@code upstream} with {@code stub}. */
        public Builder stub(String upstream, Stub stub) {
            Objects.requireNonNull(upstream, "upstream");
            Objects.requireNonNull(stub, "stub");
            if (stubs.putIfAbsent(upstream, stub) != null) {
                throw new IllegalArgumentException("upstream: " + upstream + " (expected: one stub, but it has one)");
            }
            return this;
        }

        /**
         * Runs the gateway in memory on this clock (default the gateway's own time source when it is a
         * {@link TestClock}, else a new {@link TestClock#start()}): pass the one the gateway's parts were built with
         * ({@code CircuitBreaker.builder().ticker(clock::nanoTime)}, {@code Upstream.builder(name).timeSource(clock)})
         * to move them together.
         */
        public Builder clock(TestClock clock) {
            if (started) {
                throw new IllegalStateException("a started tester runs on the system's time");
            }
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Returns the tester; a started one is serving when this returns. */
        public GatewayTester build() {
            return new GatewayTester(this);
        }
    }
}
