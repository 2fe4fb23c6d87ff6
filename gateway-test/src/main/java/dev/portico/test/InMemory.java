package dev.portico.test;

import dev.portico.core.Body;
import dev.portico.core.Gateway;
import dev.portico.core.Headers;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.spi.Exchanges;
import dev.portico.core.spi.GatewayExchange;
import dev.portico.core.spi.Requests;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The in-memory mode: each request is built as a server adapter receives it and run through the gateway's own
 * pipeline ({@link Exchanges#start}) on the caller's thread, its upstream calls answered by the stubs, its time read
 * and scheduled on the tester's clock.
 */
final class InMemory implements GatewayTester.Mode {

    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 50_000);

    private final Gateway gateway;
    private final TestClock clock;
    private final StubClient client;

    InMemory(Gateway gateway, Map<String, Stub> stubs, Recorder recorder, TestClock clock) {
        this.gateway = gateway;
        this.clock = clock != null ? clock : gateway.timeSource() instanceof TestClock own ? own : TestClock.start();
        this.client = new StubClient(stubs, recorder, this.clock);
    }

    @Override
    public CompletableFuture<TestResponse> exchange(TestRequest sent) {
        String target = sent.target();
        int query = target.indexOf('?');
        Headers.Builder headers = sent.headers().toBuilder();
        if (headers.get("Host") == null) {
            headers.add("Host", "localhost");
        }
        byte[] body = sent.bodyBytes();
        if (body.length > 0 && headers.get("Content-Length") == null && headers.get("Transfer-Encoding") == null) {
            headers.add("Content-Length", Integer.toString(body.length));
        }
        Request request = Requests.of(sent.method(), query < 0 ? target : target.substring(0, query),
                query < 0 ? null : target.substring(query + 1), "http", "1.1", headers.build(), Body.of(body));
        GatewayExchange run = Exchanges.start(gateway, request, sent.peer() != null ? sent.peer() : PEER, null, client,
                clock);
        return run.response().toCompletableFuture().thenCompose(response -> read(run, request, response, body.length));
    }

    /** Reads the whole response body as a client would, then ends the exchange for the completion listeners. */
    private static CompletionStage<TestResponse> read(GatewayExchange run, Request request, Response response,
                                                      long bytesIn) {
        int status = response.status();
        boolean bodiless = status == 204 || status == 304 || status < 200 || request.method().equals("HEAD");
        CompletionStage<byte[]> bytes = bodiless ? response.body().discard().thenApply(done -> new byte[0])
                : response.body().bytes(Long.MAX_VALUE);
        return bytes.handle((read, failure) -> {
            run.complete(status, bytesIn, read != null ? read.length : 0, failure);
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                throw new CompletionException(new AssertionError("the response body of " + request.method() + ' '
                        + request.target() + " broke off after its head (" + status + "): " + cause, cause));
            }
            return new TestResponse(status, response.headers(), read);
        });
    }

    @Override
    public void settle(CompletableFuture<TestResponse> response) {
        while (!response.isDone() && clock.advanceToNextTask()) {
            // each timer may complete the response, or schedule the next step
        }
    }

    @Override
    public String stalled() {
        return ": nothing was left to run on the test clock, so a stub's stage that nobody completes?";
    }

    @Override
    public TestClock clock() {
        return clock;
    }

    @Override
    public URI uri() {
        throw new IllegalStateException("a tester in memory has no address: start one (GatewayTester.started)");
    }

    @Override
    public void close() {
    }
}
