package dev.portico.test;

import dev.portico.core.Headers;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * One client request to a {@link GatewayTester}, built fluently and sent once: {@link #send()} returns the response,
 * {@link #sendAsync()} a stage for tests that move the clock themselves.
 *
 * <pre>{@code
 * TestResponse response = tester.get("/api/users/42").header("Authorization", "Bearer " + token).send();
 * }</pre>
 */
public final class TestRequest {

    private final GatewayTester tester;
    private final String method;
    private final String target;
    private final Headers.Builder headers = Headers.builder();
    private byte[] body = new byte[0];
    private InetSocketAddress peer;

    TestRequest(GatewayTester tester, String method, String target) {
        this.tester = tester;
        this.method = Objects.requireNonNull(method, "method");
        this.target = Objects.requireNonNull(target, "path");
        if (!target.startsWith("/")) {
            throw new IllegalArgumentException("path: " + target + " (expected: starting with /)");
        }
    }

    /** Adds a header; call it again to add another value. */
    public TestRequest header(String name, String value) {
        headers.add(name, value);
        return this;
    }

    /** Sets the body, as UTF-8 text. */
    public TestRequest body(String text) {
        return body(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sets the body. */
    public TestRequest body(byte[] bytes) {
        this.body = bytes.clone();
        return this;
    }

    /**
     * Sends the request from this IP address (default {@code 127.0.0.1}), as the TCP peer that per-client rate limits
     * and IP rules see; in memory only, since a started tester's peer is its real socket.
     */
    public TestRequest from(String ip) {
        this.peer = new InetSocketAddress(Objects.requireNonNull(ip, "ip"), 50_000);
        return this;
    }

    /**
     * Sends the request and returns the response; in memory, it moves the tester's clock to each pending timer until
     * the response is complete. Fails with an {@link AssertionError} when the gateway called an upstream without a
     * stub, or a stub failed.
     */
    public TestResponse send() {
        return tester.send(this);
    }

    /** Sends the request; the stage completes with the response, in memory when the clock has moved far enough. */
    public CompletableFuture<TestResponse> sendAsync() {
        return tester.sendAsync(this);
    }

    String method() {
        return method;
    }

    /** Returns the path and query as given. */
    String target() {
        return target;
    }

    Headers headers() {
        return headers.build();
    }

    byte[] bodyBytes() {
        return body;
    }

    InetSocketAddress peer() {
        return peer;
    }
}
