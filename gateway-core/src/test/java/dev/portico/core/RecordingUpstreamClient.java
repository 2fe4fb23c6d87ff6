package dev.portico.core;

import dev.portico.core.spi.CallOptions;
import dev.portico.core.spi.UpstreamClient;
import dev.portico.core.upstream.Endpoint;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * An in-memory {@link UpstreamClient} that records every call it receives and answers from a queue, in the style of
 * OkHttp's MockWebServer: {@link #enqueue} answers, then {@link #takeCall()} what the gateway sent, oldest first.
 * With nothing queued it answers {@code 200} with the body {@code upstream}.
 */
public final class RecordingUpstreamClient implements UpstreamClient {

    /** One call as the gateway made it. */
    public record Call(Endpoint endpoint, Request request, CallOptions options) {
    }

    private final Deque<Call> unread = new ArrayDeque<>();
    private final List<Call> all = new ArrayList<>();
    private final Deque<CompletionStage<Response>> answers = new ArrayDeque<>();

    /** Answers the next unanswered call with this response. */
    public synchronized RecordingUpstreamClient enqueue(Response response) {
        answers.add(CompletableFuture.completedFuture(response));
        return this;
    }

    /** Answers the next unanswered call with an empty response of this status. */
    public RecordingUpstreamClient enqueue(int status) {
        return enqueue(Response.of(status));
    }

    /** Fails the next unanswered call with this failure, as a transport reports a refused connection or timeout. */
    public synchronized RecordingUpstreamClient enqueueFailure(Throwable failure) {
        answers.add(CompletableFuture.failedFuture(failure));
        return this;
    }

    @Override
    public synchronized CompletionStage<Response> send(Endpoint endpoint, Request request, CallOptions options) {
        Call call = new Call(endpoint, request, options);
        unread.add(call);
        all.add(call);
        CompletionStage<Response> answer = answers.poll();
        return answer != null ? answer : CompletableFuture.completedFuture(
                Response.builder(200).header("Content-Type", "text/plain").body(Body.of("upstream")).build());
    }

    /** Returns the oldest call not taken yet; fails the test when the gateway made no further call. */
    public synchronized Call takeCall() {
        Call call = unread.poll();
        if (call == null) {
            throw new AssertionError("expected the gateway to call the upstream, but it made no (further) call");
        }
        return call;
    }

    /** Returns the request of the oldest call not taken yet. */
    public Request takeRequest() {
        return takeCall().request();
    }

    /** Returns how many calls the gateway made in all. */
    public synchronized int callCount() {
        return all.size();
    }

    /** Returns every call made so far, oldest first. */
    public synchronized List<Call> calls() {
        return List.copyOf(all);
    }
}
