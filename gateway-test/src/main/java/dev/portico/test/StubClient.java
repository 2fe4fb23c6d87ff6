package dev.portico.test;

import dev.portico.core.Body;
import dev.portico.core.GatewayException;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.spi.CallOptions;
import dev.portico.core.spi.UpstreamClient;
import dev.portico.core.upstream.CallListener;
import dev.portico.core.upstream.CallOutcome;
import dev.portico.core.upstream.CallOutcome.Kind;
import dev.portico.core.upstream.Endpoint;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

/**
 * The in-memory transport: each call goes to its upstream's stub, on the calling thread, with the request body read
 * first; the response timeout runs on the tester's clock, and every attempt's outcome goes to its listeners as the
 * real transport reports it.
 */
final class StubClient implements UpstreamClient {

    private static final System.Logger LOG = System.getLogger(StubClient.class.getName());

    private final Map<String, Stub> stubs;
    private final Recorder recorder;
    private final TestClock clock;

    StubClient(Map<String, Stub> stubs, Recorder recorder, TestClock clock) {
        this.stubs = stubs;
        this.recorder = recorder;
        this.clock = clock;
    }

    @Override
    public CompletionStage<Response> send(Endpoint endpoint, Request request, CallOptions options) {
        String name = options.upstream();
        long started = clock.nanoTime();
        CompletableFuture<Response> result = new CompletableFuture<>();
        Stub stub = stubs.get(name);
        if (stub == null) {
            recorder.missing(name, request);
            report(options, endpoint, Kind.CONNECT_FAILURE, 0, started);
            result.completeExceptionally(GatewayException.badGateway("upstream " + name + " has no stub"));
            return result;
        }
        Duration timeout = options.responseTimeout();
        Future<?> timer = clock.schedule(() -> {
            if (result.completeExceptionally(GatewayException.gatewayTimeout("upstream " + name
                    + " did not answer within " + Math.max(1, timeout.toMillis()) + " ms"))) {
                report(options, endpoint, Kind.TIMEOUT, 0, started);
            }
        }, timeout);
        result.whenComplete((response, failure) -> {
            timer.cancel(false);
            if (failure instanceof CancellationException) {
                report(options, endpoint, Kind.CANCELLED, 0, started);
            }
        });
        request.body().bytes(options.maxRequestBody()).whenComplete((bytes, failure) -> {
            if (failure != null) {
                if (result.completeExceptionally(cause(failure))) {
                    report(options, endpoint, Kind.CANCELLED, 0, started);
                }
                return;
            }
            Request received = request.toBuilder().body(Body.of(bytes)).build();
            recorder.received(name, received);
            Stubs.reply(stub, received, clock).whenComplete((response, error) ->
                    answered(name, endpoint, options, started, result, response, error));
        });
        return result;
    }

    /** Completes the call with the stub's answer, unless it ended meanwhile (timed out, cancelled). */
    private void answered(String name, Endpoint endpoint, CallOptions options, long started,
                          CompletableFuture<Response> result, Response response, Throwable error) {
        if (error == null && response != null) {
            if (result.complete(response)) {
                report(options, endpoint, Kind.RESPONSE, response.status(), started);
                report(options, endpoint, Kind.BODY_FINISHED, response.status(), started);
            } else {
                response.body().discard();
            }
            return;
        }
        Throwable cause = error != null ? cause(error) : new IllegalStateException("the stub answered null");
        if (cause instanceof Fault fault) {
            boolean refused = fault.kind == Fault.Kind.REFUSED;
            if (result.completeExceptionally(GatewayException.badGateway("upstream " + name
                    + (refused ? " refused the connection" : " closed the connection")))) {
                report(options, endpoint, refused ? Kind.CONNECT_FAILURE : Kind.RESET, 0, started);
            }
        } else if (cause instanceof GatewayException e) {
            if (result.completeExceptionally(e)) {
                report(options, endpoint, e.status() == 504 ? Kind.TIMEOUT : Kind.RESET, 0, started);
            }
        } else {
            recorder.stubFailed(name, cause);
            if (result.completeExceptionally(GatewayException.badGateway("the stub of upstream " + name + " failed"))) {
                report(options, endpoint, Kind.RESET, 0, started);
            }
        }
    }

    private void report(CallOptions options, Endpoint endpoint, Kind kind, int status, long started) {
        CallOutcome outcome = new CallOutcome(options.upstream(), endpoint, kind, status,
                Duration.ofNanos(clock.nanoTime() - started), false);
        for (CallListener listener : options.listeners()) {
            try {
                listener.onOutcome(outcome);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "a call listener failed", e);
            }
        }
    }

    private static Throwable cause(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }
}
