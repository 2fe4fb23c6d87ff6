package dev.portico.core.internal.pipeline;

import dev.portico.core.AttributeKey;
import dev.portico.core.Body;
import dev.portico.core.Completion;
import dev.portico.core.Context;
import dev.portico.core.Filter;
import dev.portico.core.Gateway;
import dev.portico.core.GatewayException;
import dev.portico.core.Headers;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.TimeSource;
import dev.portico.core.internal.body.BufferedBody;
import dev.portico.core.internal.http.ProxyHeaders;
import dev.portico.core.internal.http.TrustedProxies;
import dev.portico.core.internal.observe.ClientSpan;
import dev.portico.core.internal.observe.ServerSpan;
import dev.portico.core.internal.routing.Router;
import dev.portico.core.observe.RequestIds;
import dev.portico.core.resilience.RetryPolicy;
import dev.portico.core.resilience.UpstreamErrors;
import dev.portico.core.spi.CallOptions;
import dev.portico.core.spi.GatewayExchange;
import dev.portico.core.spi.UpstreamClient;
import dev.portico.core.upstream.CallListener;
import dev.portico.core.upstream.CallOutcome;
import dev.portico.core.upstream.Endpoint;
import dev.portico.core.upstream.SendOptions;
import dev.portico.core.upstream.Upstream;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One request's context and its pipeline, in two stages: the edge filters, for every request, around the routing
 * step (or the refusal the request already has); then the matched route's filters around its target.
 */
public final class Pipeline implements Context, GatewayExchange {

    private static final System.Logger LOG = System.getLogger(Pipeline.class.getName());
    private static final Object[] NO_ATTRIBUTES = {};
    private static final VarHandle COMPLETED;

    static {
        try {
            COMPLETED = MethodHandles.lookup().findVarHandle(Pipeline.class, "completed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Gateway gateway;
    private final Router router;
    private final TrustedProxies trustedProxies;
    private final InetSocketAddress peer;
    private final InetSocketAddress local;
    private final UpstreamClient client;
    private final TimeSource time;
    private final long started;
    private volatile boolean completed;
    private volatile Route route;
    private volatile Map<String, String> params = Map.of();
    private volatile InetSocketAddress clientAddress;
    private volatile Request original;
    /** Keys and values interleaved, replaced whole on each change. */
    private volatile Object[] attributes = NO_ATTRIBUTES;
    private volatile Throwable failure;
    private volatile Upstream called; // the upstream and instance of the latest attempt, for the completion
    private volatile Endpoint calledEndpoint;
    /** Replaced whole on each registration, so that the completion reads it without a lock. */
    private volatile List<Consumer<Completion>> listeners;
    private CompletionStage<Response> response;
    private ServerSpan span; // written by start(), before any attempt
    private String requestId; // set by start(), before any stage runs

    public Pipeline(Gateway gateway, Router router, TrustedProxies trustedProxies, InetSocketAddress peer,
                    InetSocketAddress local, UpstreamClient client, TimeSource time) {
        this.gateway = gateway;
        this.router = router;
        this.trustedProxies = trustedProxies;
        this.peer = peer;
        this.local = local;
        this.client = client;
        this.time = time;
        this.started = time.nanoTime();
    }

    /**
     * Runs the pipeline: the edge filters around the routing step, which routes the request (or answers
     * {@code refusal} when the request was refused before routing) and runs the route's filters and target. Any
     * failure becomes its JSON error response before it reaches the edge filters, which therefore see every answer
     * as a response; its cause is kept for the completion.
     */
    public Pipeline start(Filter[] edge, Request request, GatewayException refusal) {
        RequestIds ids = gateway.requestIds();
        if (ids.enabled()) {
            String given = request.header(ids.headerName());
            String id = ids.resolve(given);
            if (given == null) { // generated: the filters and the upstreams see it as if the client had sent it
                request = request.toBuilder().addHeader(ids.headerName(), id).build();
            } else if (!id.equals(given) || repeated(request.headers(), ids.headerName())) { // replaced, or made one
                request = request.toBuilder().header(ids.headerName(), id).build();
            }
            requestId = id;
        }
        this.original = request;
        span = ServerSpan.start(gateway, this, request); // null, at no cost, without telemetry
        // the last stage turns failures into their responses and sets the request id on whichever answered
        response = edge.length == 0 ? answer(request, refusal, this::respondIdentified)
                : new Link(edge, 0, r -> answer(r, refusal, this::respond)).proceed(request)
                        .handle(this::respondIdentified);
        return this;
    }

    /** Returns whether the named field occurs more than once: only the first value was checked for sanity. */
    private static boolean repeated(Headers headers, String name) {
        boolean seen = false;
        for (int i = 0; i < headers.size(); i++) {
            if (headers.name(i).equalsIgnoreCase(name)) {
                if (seen) {
                    return true;
                }
                seen = true;
            }
        }
        return false;
    }

    @Override
    public String requestId() {
        return requestId;
    }

    /**
     * Sets the request id on the response, whoever answered it, and adds it as {@code requestId} to a gateway JSON
     * error that a filter returned as a response ({@code GatewayException.toResponse()}, {@code Response.error}).
     */
    private Response identify(Response response) {
        Response.Builder identified = response.toBuilder().header(gateway.requestIds().headerName(), requestId);
        if (response.status() >= 400 && response.body() instanceof BufferedBody buffered) {
            byte[] json = withRequestId(buffered.array(), requestId);
            if (json != null) {
                identified.body(Body.of(json)).removeHeader("Content-Length");
            }
        }
        return identified.build();
    }

    private static final byte[] ERROR_START = "{\"error\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REQUEST_ID_KEY = "\"requestId\"".getBytes(StandardCharsets.US_ASCII);

    /**
     * Returns a gateway error body {@code {"error":...}} with {@code ,"requestId":"id"} before its closing brace, or
     * {@code null} when the body is no such error or names a request id already. The id is a sane token: nothing in
     * it needs escaping.
     */
    static byte[] withRequestId(byte[] body, String id) {
        int end = body.length - 1;
        if (body.length < ERROR_START.length + 1 || body[end] != '}'
                || !Arrays.equals(body, 0, ERROR_START.length, ERROR_START, 0, ERROR_START.length)) {
            return null;
        }
        for (int i = ERROR_START.length; i + REQUEST_ID_KEY.length <= end; i++) {
            if (Arrays.equals(body, i, i + REQUEST_ID_KEY.length, REQUEST_ID_KEY, 0, REQUEST_ID_KEY.length)) {
                return null;
            }
        }
        byte[] field = (",\"requestId\":\"" + id + "\"}").getBytes(StandardCharsets.US_ASCII);
        byte[] json = Arrays.copyOf(body, end + field.length);
        System.arraycopy(field, 0, json, end, field.length);
        return json;
    }

    /**
     * The end of the edge stage: routing (or the refusal), with any failure turned into the response it means by
     * {@code respond}.
     */
    private CompletionStage<Response> answer(Request request, GatewayException refusal,
                                             BiFunction<Response, Throwable, Response> respond) {
        CompletionStage<Response> routed;
        try {
            routed = refusal != null ? CompletableFuture.failedFuture(refusal) : route(request);
        } catch (Throwable e) {
            routed = CompletableFuture.failedFuture(e);
        }
        return routed.handle(respond);
    }

    /** Returns the gateway this request runs in, for targets that need its settings (an aggregator's defaults). */
    public Gateway gateway() {
        return gateway;
    }

    @Override
    public CompletionStage<Response> response() {
        return response;
    }

    /** Routes the request and runs the route's own pipeline. */
    private CompletionStage<Response> route(Request request) {
        Router.Match match = router.route(request);
        Route matched = match.route();
        params = match.params();
        route = matched;
        long limit = gateway.maxBodySize(matched);
        if (request.body().length() > limit) {
            throw GatewayException.payloadTooLarge(limit);
        }
        Upstream upstream = matched.upstream();
        Function<Request, CompletionStage<Response>> target = upstream == null ? r -> matched.handler().handle(r, this)
                : matched.upstreamErrors() == UpstreamErrors.REPLACE ? r -> replaceErrors(upstream, send(upstream, r))
                : r -> send(upstream, r);
        return new Link(match.filters(), 0, target).proceed(request);
    }

    /** Replaces an upstream's 5xx response, whose body is discarded, with the gateway's 502. */
    private static CompletionStage<Response> replaceErrors(Upstream upstream, CompletionStage<Response> sent) {
        return sent.thenCompose(response -> {
            if (response.status() < 500) {
                return CompletableFuture.completedFuture(response);
            }
            response.body().discard();
            return CompletableFuture.failedFuture(GatewayException.badGateway(
                    "upstream " + upstream.name() + " answered " + response.status()));
        });
    }

    /**
     * Responds as {@link #respond} does, then identifies the response when the request has an id, and shows it to
     * the server span.
     */
    private Response respondIdentified(Response response, Throwable error) {
        Response answered = respond(response, error);
        if (requestId != null) {
            answered = identify(answered);
        }
        if (span != null) {
            span.responded(this, answered);
        }
        return answered;
    }

    private Response respond(Response response, Throwable error) {
        if (error == null) {
            if (response != null) {
                return response;
            }
            error = new IllegalStateException("a filter or handler completed its stage with a null response");
        }
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        failure = cause;
        if (cause instanceof GatewayException refused) {
            return refused.toResponse(requestId);
        }
        LOG.log(System.Logger.Level.ERROR, "unexpected failure while handling a request", cause);
        return new GatewayException(500, "internal_error", "the gateway failed to handle the request")
                .toResponse(requestId);
    }

    @Override
    public void onComplete(Consumer<Completion> listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (this) {
            List<Consumer<Completion>> next = listeners == null ? new ArrayList<>(2) : new ArrayList<>(listeners);
            next.add(listener);
            listeners = next;
        }
    }

    @Override
    public void complete(int status, long bytesIn, long bytesOut, Throwable transportFailure) {
        if (!COMPLETED.compareAndSet(this, false, true)) {
            return;
        }
        List<Consumer<Completion>> registered = listeners;
        if (registered == null) {
            return;
        }
        Upstream upstream = called;
        Completion completion = new Completion(status, bytesIn, bytesOut, route,
                upstream != null ? upstream.name() : null, calledEndpoint, Duration.ofNanos(time.nanoTime() - started),
                transportFailure != null ? transportFailure : failure);
        for (Consumer<Completion> listener : registered) {
            try {
                listener.accept(completion);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "an onComplete listener failed", e);
            }
        }
    }

    /** One step of a stage: the filter at {@code index}, or the stage's end after the last. */
    private final class Link implements dev.portico.core.Chain {
        private final Filter[] filters;
        private final int index;
        private final Function<Request, CompletionStage<Response>> end;

        Link(Filter[] filters, int index, Function<Request, CompletionStage<Response>> end) {
            this.filters = filters;
            this.index = index;
            this.end = end;
        }

        @Override
        public Context context() {
            return Pipeline.this;
        }

        @Override
        public CompletionStage<Response> proceed(Request request) {
            try {
                CompletionStage<Response> stage = index < filters.length
                        ? filters[index].filter(request, new Link(filters, index + 1, end))
                        : end.apply(request);
                if (stage == null) {
                    throw new IllegalStateException((index < filters.length ? filters[index] : "the route's handler")
                            + " returned null instead of a stage");
                }
                return stage;
            } catch (Throwable t) {
                return CompletableFuture.failedFuture(t);
            }
        }
    }

    @Override
    public Route route() {
        return route;
    }

    @Override
    public TimeSource time() {
        return time;
    }

    @Override
    public String pathParam(String name) {
        return params.get(name);
    }

    @Override
    public Map<String, String> pathParams() {
        return params;
    }

    @Override
    public InetSocketAddress peerAddress() {
        return peer;
    }

    @Override
    public InetSocketAddress clientAddress() {
        InetSocketAddress resolved = clientAddress;
        if (resolved == null) {
            resolved = ProxyHeaders.clientAddress(original, peer, trustedProxies);
            clientAddress = resolved;
        }
        return resolved;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(AttributeKey<T> key) {
        Object[] pairs = attributes;
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i] == key) {
                return (T) pairs[i + 1];
            }
        }
        return null;
    }

    @Override
    public <T> void put(AttributeKey<T> key, T value) {
        Objects.requireNonNull(key, "key");
        Object checked = value == null ? null : key.type().cast(value);
        synchronized (this) { // a request has a handful: a copy per change is cheaper than a map
            Object[] pairs = attributes;
            int at = 0;
            while (at < pairs.length && pairs[at] != key) {
                at += 2;
            }
            Object[] changed;
            if (at < pairs.length) {
                if (checked != null) {
                    changed = pairs.clone();
                    changed[at + 1] = checked;
                } else {
                    changed = new Object[pairs.length - 2];
                    System.arraycopy(pairs, 0, changed, 0, at);
                    System.arraycopy(pairs, at + 2, changed, at, pairs.length - at - 2);
                }
            } else if (checked != null) {
                changed = Arrays.copyOf(pairs, pairs.length + 2);
                changed[at] = key;
                changed[at + 1] = checked;
            } else {
                return;
            }
            attributes = changed;
        }
    }

    @Override
    public CompletionStage<Response> send(Upstream upstream, Request request, SendOptions options) {
        Route r = route;
        RetryPolicy retries = options.retries() != null ? options.retries() : r != null ? r.retries() : null;
        Duration connectTimeout = options.connectTimeout() != null ? options.connectTimeout() : connectTimeout();
        Duration timeout = options.timeout() != null ? options.timeout() : timeout();
        boolean retried = retries != null && Attempts.retries(retries, request);
        CompletableFuture<Response> sent;
        if (!retried && upstream.circuitBreaker() == null && upstream.maxConcurrentRequests() == Integer.MAX_VALUE) {
            sent = attempt(upstream, upstream.choose(request, this, Set.of()), request, options, connectTimeout, timeout, 0);
        } else {
            sent = new Attempts(this, upstream, request, options, retried ? retries : RetryPolicy.none(),
                    connectTimeout, timeout).start();
        }
        if (!options.proxyHeaders()) {
            return sent;
        }
        Answered answered = new Answered(sent);
        sent.whenComplete(answered);
        return answered;
    }

    /**
     * A call's response without its hop-by-hop headers, in one stage after the call's own: a failure completes it as
     * {@code thenApply} would, wrapped in a {@link CompletionException}; cancelling it aborts the call, or frees the
     * unread answer should one have come.
     */
    private static final class Answered extends CompletableFuture<Response> implements BiConsumer<Response, Throwable> {

        private final CompletableFuture<Response> sent;

        Answered(CompletableFuture<Response> sent) {
            this.sent = sent;
        }

        @Override
        public void accept(Response response, Throwable failure) {
            if (failure != null) {
                completeExceptionally(failure instanceof CompletionException ? failure : new CompletionException(failure));
                return;
            }
            try {
                complete(ProxyHeaders.forResponse(response));
            } catch (Throwable t) {
                completeExceptionally(new CompletionException(t));
            }
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled) {
                sent.cancel(false);
                sent.thenAccept(late -> late.body().discard());
            }
            return cancelled;
        }
    }

    /**
     * Returns the header edits an outgoing request needs, or {@code null} for none: the request id when the request
     * lacks it (a request a handler or an aggregation part built) and the client span's trace context.
     */
    private Consumer<Headers.Builder> edits(Request request, ClientSpan traced) {
        String name = requestId == null ? null : gateway.requestIds().headerName();
        if (name == null || requestId.equals(request.header(name))) {
            return traced == null ? null : traced::inject;
        }
        return headers -> {
            headers.set(name, requestId);
            if (traced != null) {
                traced.inject(headers);
            }
        };
    }

    /**
     * Sends one attempt of a call to this instance, with these timeouts; the transport's stage, as it is. Should the
     * attempt fail to start (a bug of the gateway or of the transport), its listeners still hear a final outcome,
     * {@code CANCELLED} (no verdict on the instance), so that a balancer counting attempts in flight does not drift.
     * {@code resend} counts the attempts of this call before this one; with telemetry the attempt has a client span.
     */
    CompletableFuture<Response> attempt(Upstream upstream, Endpoint endpoint, Request request, SendOptions options,
                                        Duration connectTimeout, Duration timeout, int resend) {
        List<CallListener> listeners = listeners(upstream);
        calledEndpoint = endpoint;
        called = upstream;
        try {
            ClientSpan traced = span != null ? span.client(upstream, endpoint, request.method(), resend) : null;
            if (traced != null) {
                listeners = traced.with(listeners); // from here on, unstarted() ends the span too
            }
            Route r = route;
            Consumer<Headers.Builder> edits = edits(request, traced);
            Request outgoing = options.proxyHeaders()
                    ? ProxyHeaders.forRequest(request, endpoint, peer, local, trustedProxies.trusts(peer),
                            Boolean.TRUE.equals(get(ProxyHeaders.PRESERVE_HOST)), original.header("Host"), edits)
                    : request.toBuilder().headers(h -> {
                        h.set("Host", endpoint.authority());
                        if (edits != null) {
                            edits.accept(h);
                        }
                    }).build();
            CallOptions call = new CallOptions(upstream.name(), connectTimeout, timeout,
                    options.maxBodySize() >= 0 ? options.maxBodySize() : r != null ? gateway.maxBodySize(r) : gateway.maxBodySize(),
                    listeners, r != null && upstream == r.upstream() ? r.webSocket() : null);
            return client.send(endpoint, outgoing, call).toCompletableFuture();
        } catch (Throwable t) {
            unstarted(upstream, endpoint, listeners);
            return CompletableFuture.failedFuture(t);
        }
    }

    /** Tells the listeners of an attempt that never reached the transport that it is over. */
    private static void unstarted(Upstream upstream, Endpoint endpoint, List<CallListener> listeners) {
        CallOutcome outcome = new CallOutcome(upstream.name(), endpoint, CallOutcome.Kind.CANCELLED, 0, Duration.ZERO, false);
        for (CallListener listener : listeners) {
            try {
                listener.onOutcome(outcome);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "a call listener failed", e);
            }
        }
    }

    /**
     * Returns where the steps of this request that a timer starts run (a retry after its backoff, an answer at a
     * deadline): the transport's choice.
     */
    public Executor executor() {
        return client.executor();
    }

    private List<CallListener> listeners(Upstream upstream) {
        List<CallListener> own = upstream.listeners();
        List<CallListener> all = gateway.callListeners();
        if (own.isEmpty() || all.isEmpty()) {
            return own.isEmpty() ? all : own;
        }
        List<CallListener> both = new ArrayList<>(own);
        both.addAll(all);
        return both;
    }

    private Duration connectTimeout() {
        Route r = route;
        return r != null && r.connectTimeout() != null ? r.connectTimeout() : gateway.connectTimeout();
    }

    private Duration timeout() {
        Route r = route;
        return r != null && r.timeout() != null ? r.timeout() : gateway.timeout();
    }
}
