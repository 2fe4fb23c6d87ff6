package dev.portico.graphql;

import dev.portico.core.Context;
import dev.portico.core.GatewayException;
import dev.portico.core.Handler;
import dev.portico.core.Headers;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.auth.Principal;
import dev.portico.core.upstream.Upstream;
import dev.portico.graphql.internal.CallBudget;
import dev.portico.graphql.internal.Json;
import graphql.schema.DataFetchingEnvironment;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One GraphQL request's way to its upstreams: every upstream call goes through {@link Context#send}, so load balancing,
 * pooling, the route's timeouts, call listeners and tracing apply, and carries the caller's forwarded headers
 * (identity headers the gateway's filters set included); each call spends one of the request's budget of upstream
 * calls, identical {@link #get}s share one call, and once the query's deadline passes, calls in flight end with 504 and
 * no new call is made.
 */
public final class Calls {

    /** A GET of {@link #get}: within one request its headers are always the same, so this names the call. */
    private record Get(Upstream upstream, String target) {
    }

    private final Context context;
    private final Request caller;
    private final Headers forwarded;
    private final long maxResponseSize;
    private final Duration deadline;
    private final CallBudget budget;
    private final Map<CompletableFuture<Response>, CompletableFuture<Response>> pending = new ConcurrentHashMap<>();
    private final Map<Get, CompletableFuture<Object>> answers = new ConcurrentHashMap<>();
    private volatile boolean expired;
    private volatile boolean sharing = true;

    Calls(Context context, Request caller, Headers forwarded, long maxResponseSize, Duration deadline, int maxCalls) {
        this.context = context;
        this.caller = caller;
        this.forwarded = forwarded;
        this.maxResponseSize = maxResponseSize;
        this.deadline = deadline;
        this.budget = new CallBudget(maxCalls);
    }

    /** Returns the calls of the request a field is being resolved for. */
    public static Calls of(DataFetchingEnvironment env) {
        return env.getGraphQlContext().get(Calls.class);
    }

    /** Returns the gateway's context of the GraphQL request. */
    public Context context() {
        return context;
    }

    /** Returns the caller's HTTP request, as the route's filters passed it on. */
    public Request caller() {
        return caller;
    }

    /** Returns the authenticated caller, or {@code null} when the request is not authenticated. */
    public Principal principal() {
        return Principal.of(context);
    }

    /**
     * Returns a builder of a request to an upstream for this method and target (a raw path with an optional
     * {@code ?query}), carrying the caller's forwarded headers and {@code Accept: application/json}.
     */
    public Request.Builder request(String method, String target) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(target, "target");
        int q = target.indexOf('?');
        return Request.builder(method, q < 0 ? target : target.substring(0, q))
                .rawQuery(q < 0 ? null : target.substring(q + 1))
                .headers(forwarded)
                .header("Accept", "application/json");
    }

    /**
     * Sends a request to an upstream through the gateway ({@link Context#send}), never shared with another call; once
     * the request's budget of upstream calls is spent, the call is not made and the stage fails; once the query's
     * deadline has passed, the call is aborted (or not made) and the stage fails with 504.
     */
    public CompletionStage<Response> send(Upstream upstream, Request request) {
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(request, "request");
        return call(() -> context.send(upstream, request));
    }

    /**
     * Sends a request to a handler of the gateway's own, such as a gRPC transcoder's method, as one of the request's
     * upstream calls: it spends the budget and ends with 504 at the query's deadline, as
     * {@link #send(Upstream, Request)} does.
     */
    public CompletionStage<Response> send(Handler handler, Request request) {
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(request, "request");
        return call(() -> handler.handle(request, context));
    }

    private CompletionStage<Response> call(Supplier<CompletionStage<Response>> sender) {
        if (expired) {
            return CompletableFuture.failedFuture(deadlinePassed());
        }
        if (!budget.take()) {
            return CompletableFuture.failedFuture(budget.spent());
        }
        CompletableFuture<Response> call;
        try {
            call = sender.get().toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Response> result = new CompletableFuture<>();
        pending.put(result, call);
        call.whenComplete((response, failure) -> {
            pending.remove(result);
            if (failure != null) {
                result.completeExceptionally(failure);
            } else if (!result.complete(response)) {
                response.body().discard();                  // the deadline passed first
            }
        });
        if (expired && pending.remove(result) != null) {    // the deadline passed while the call was made
            result.completeExceptionally(deadlinePassed());
            call.cancel(false);
        }
        return result;
    }

    /** Stops sharing {@link #get}s: a mutation's fields run one after another, each changing what a GET answers. */
    void stopSharing() {
        sharing = false;
    }

    /** Ends the calls in flight with 504, and fails any later call at once; called once the query's deadline passed. */
    void expire() {
        expired = true;
        for (CompletableFuture<Response> result : pending.keySet()) {
            CompletableFuture<Response> call = pending.remove(result);
            if (call != null) {
                result.completeExceptionally(deadlinePassed());   // first: cancelling completes the call inline
                call.cancel(false);
            }
        }
    }

    private GatewayException deadlinePassed() {
        return GatewayException.gatewayTimeout("the query's deadline of " + deadline.toMillis() + " ms passed");
    }

    /**
     * GETs a target from an upstream and returns its JSON answer: {@code null} for a 404, and a 502
     * {@link GatewayException} for any other status outside 2xx or a body that is not JSON. Within one query (not a
     * mutation), every {@code get} of the same target from the same upstream shares the first one's call, in flight or
     * done, and its answer (which no caller may modify), so only the first spends the budget.
     */
    public CompletionStage<Object> get(Upstream upstream, String target) {
        Objects.requireNonNull(upstream, "upstream");
        Request request = request("GET", target).build();
        if (!sharing) {
            return send(upstream, request).thenCompose(response -> json(upstream, response));
        }
        CompletableFuture<Object> answer = new CompletableFuture<>();
        CompletableFuture<Object> earlier = answers.putIfAbsent(new Get(upstream, target), answer);
        if (earlier != null) {
            return earlier.copy();
        }
        send(upstream, request).thenCompose(response -> json(upstream, response)).whenComplete((value, failure) -> {
            if (failure != null) {
                answer.completeExceptionally(failure);
            } else {
                answer.complete(value);
            }
        });
        return answer.copy();
    }

    /**
     * Returns the JSON of an upstream's answer, read up to the endpoint's response bound: {@code null} for a 404,
     * and a 502 {@link GatewayException} for another status outside 2xx or a body that is not JSON.
     */
    public CompletionStage<Object> json(Upstream upstream, Response response) {
        return json("upstream " + upstream.name(), response);
    }

    /**
     * Returns the JSON of an answer from {@code source} (named in errors, such as a local handler's name), read up
     * to the endpoint's response bound: {@code null} for a 404, and a 502 {@link GatewayException} for another status
     * outside 2xx or a body that is not JSON.
     */
    public CompletionStage<Object> json(String source, Response response) {
        int status = response.status();
        if (status == 404 || status < 200 || status > 299) {
            response.body().discard();
            return status == 404 ? CompletableFuture.completedFuture(null)
                    : CompletableFuture.failedFuture(GatewayException.badGateway(
                            source + " answered " + status));
        }
        return response.body().bytes(maxResponseSize).thenApply(bytes -> {
            if (bytes.length == 0) {
                return null;
            }
            try {
                return Json.parse(new String(bytes, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw GatewayException.badGateway(source + " answered invalid JSON");
            }
        });
    }
}
