package dev.portico.test;

import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.TimeSource;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Calls stubs of either kind. */
final class Stubs {

    private Stubs() {
    }

    /** Answers one request with any stub; what the stub throws, or a missing stage, fails the stage. */
    static CompletionStage<Response> reply(Stub stub, Request request, TimeSource time) {
        try {
            CompletionStage<Response> answer = stub instanceof Stub.Async async ? async.answer(request, time)
                    : CompletableFuture.completedFuture(stub.answer(request));
            return answer != null ? answer
                    : CompletableFuture.failedFuture(new IllegalStateException("the stub returned no stage"));
        } catch (RuntimeException | AssertionError e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
