package dev.portico.test;

import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.TimeSource;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Stands in for one upstream in a {@link GatewayTester}: it receives each request as the upstream would, after the
 * gateway's changes and with its body read, and answers it now, later, slowly, or with a transport failure.
 *
 * <pre>{@code
 * Stub users = request -> Response.json(200, "{\"id\":\"42\"}");
 * Stub flaky = Stub.inTurn(Stub.reset(), users);
 * }</pre>
 */
@FunctionalInterface
public interface Stub {

    /** Answers one request as the upstream would. */
    Response answer(Request request);

    /** Returns a stub that answers with the stage {@code answer} returns, when it completes. */
    static Stub later(Function<Request, ? extends CompletionStage<Response>> answer) {
        Objects.requireNonNull(answer, "answer");
        return (Async) (request, time) -> answer.apply(request);
    }

    /** Returns a stub that answers as {@code stub} does once {@code delay} has passed on the tester's clock. */
    static Stub delayed(Duration delay, Stub stub) {
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(stub, "stub");
        return (Async) (request, time) -> {
            CompletableFuture<Response> answer = new CompletableFuture<>();
            time.schedule(() -> Stubs.reply(stub, request, time).whenComplete((response, failure) -> {
                if (failure != null) {
                    answer.completeExceptionally(failure);
                } else {
                    answer.complete(response);
                }
            }), delay);
            return answer;
        };
    }

    /**
     * Returns a stub that never answers, as a hung upstream: the gateway's response timeout (on the tester's clock)
     * ends the call with 504.
     */
    static Stub noAnswer() {
        return (Async) (request, time) -> new CompletableFuture<>();
    }

    /** Returns a stub whose upstream refuses the connection: the gateway answers 502 unless it retries. */
    static Stub refuseConnection() {
        return (Async) (request, time) -> CompletableFuture.failedFuture(new Fault(Fault.Kind.REFUSED));
    }

    /** Returns a stub whose upstream closes the connection before answering: the gateway answers 502 unless it retries. */
    static Stub reset() {
        return (Async) (request, time) -> CompletableFuture.failedFuture(new Fault(Fault.Kind.RESET));
    }

    /** Returns a stub that answers each call with the next of {@code stubs}, and every call after the last with the last. */
    static Stub inTurn(Stub... stubs) {
        List<Stub> turns = List.of(stubs);
        if (turns.isEmpty()) {
            throw new IllegalArgumentException("stubs: none (expected: at least one)");
        }
        AtomicInteger calls = new AtomicInteger();
        return (Async) (request, time) ->
                Stubs.reply(turns.get(Math.min(calls.getAndIncrement(), turns.size() - 1)), request, time);
    }

    /**
     * A stub that answers with a stage and has the tester's time source at hand, to answer at a later time on the
     * tester's clock; only a {@link GatewayTester} calls it.
     */
    @FunctionalInterface
    interface Async extends Stub {

        /** Answers one request; {@code time} is the tester's time source. */
        CompletionStage<Response> answer(Request request, TimeSource time);

        /** Throws: an asynchronous stub answers through its tester. */
        @Override
        default Response answer(Request request) {
            throw new UnsupportedOperationException("this stub answers through a GatewayTester");
        }
    }
}
