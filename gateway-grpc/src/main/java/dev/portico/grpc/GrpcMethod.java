package dev.portico.grpc;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.DynamicMessage;
import dev.portico.core.Completion;
import dev.portico.core.Context;
import dev.portico.core.GatewayException;
import dev.portico.core.Handler;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.observe.Telemetry;
import dev.portico.grpc.internal.Conversions;
import dev.portico.grpc.internal.DynamicMarshaller;
import dev.portico.grpc.internal.FieldPath;
import dev.portico.grpc.internal.QueryString;
import dev.portico.grpc.internal.RpcInstruments;
import dev.portico.grpc.internal.RpcSpan;
import dev.portico.grpc.internal.StatusMapping;
import dev.portico.grpc.internal.StreamingCall;
import dev.portico.grpc.internal.UnaryCall;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A route's target that calls one gRPC method of its {@link GrpcTranscoder}'s upstream: the JSON body, the query
 * parameters and the path captures fill the request message (in that order, so a path capture always wins), a
 * request that does not fit the message gets 400 before any call, and the reply becomes JSON; it completes its stage
 * from the call's callbacks, never blocking.
 *
 * <pre>{@code
 * Route.post("/v1/shelves/{shelf}/items").handler(shop.method("shop.Shop/CreateItem").body("item").status(201).build())
 * }</pre>
 */
public final class GrpcMethod implements Handler {

    private static final int MAX_CACHED_PATHS = 256;
    /**
     * The largest body converted on the thread that read it (an IO thread): under a millisecond even for the costliest
     * JSON per byte (a list of {@code google.protobuf.Value} numbers, about 2,000 of them); a larger one goes to
     * {@link Conversions}, which costs a hand-over of some microseconds.
     */
    static final int MAX_INLINE_BODY = 4 * 1024;
    private static final int MAX_BODY_DEPTH = 100; // JsonFormat's own limit
    private static final Optional<FieldPath> NO_FIELD = Optional.empty();

    private final GrpcTranscoder transcoder;
    private final io.grpc.MethodDescriptor<DynamicMessage, DynamicMessage> method;
    private final Descriptor input;
    private final boolean hasBody;
    private final FieldDescriptor bodyField;
    private final FieldDescriptor responseField;
    private final int status;
    private final boolean streaming;
    private final StreamFormat format;
    private final boolean negotiate;
    private final int maxBodyDepth;
    private final int maxBodyValues;
    private final Function<DynamicMessage, String> printer;
    private final RpcInstruments.Method instruments; // null without telemetry
    private final Map<String, Optional<FieldPath>> paths = new ConcurrentHashMap<>();

    private GrpcMethod(Builder b) {
        this.transcoder = b.transcoder;
        this.input = b.method.getInputType();
        this.streaming = b.method.isServerStreaming();
        this.method = io.grpc.MethodDescriptor.<DynamicMessage, DynamicMessage>newBuilder()
                .setType(streaming ? io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING
                        : io.grpc.MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(io.grpc.MethodDescriptor.generateFullMethodName(
                        b.method.getService().getFullName(), b.method.getName()))
                .setRequestMarshaller(new DynamicMarshaller(input))
                .setResponseMarshaller(new DynamicMarshaller(b.method.getOutputType()))
                .build();
        this.hasBody = b.body != null;
        this.bodyField = b.body == null || b.body.equals("*") ? null : topLevel(input, b.body, "body");
        this.responseField = b.responseBody == null ? null
                : topLevel(b.method.getOutputType(), b.responseBody, "responseBody");
        this.status = b.status;
        this.format = b.format;
        this.negotiate = b.negotiate;
        this.maxBodyDepth = b.maxBodyDepth > 0 ? b.maxBodyDepth : transcoder.maxBodyDepth();
        this.maxBodyValues = b.maxBodyValues > 0 ? b.maxBodyValues : transcoder.maxBodyValues();
        for (Map.Entry<String, String> capture : b.captures.entrySet()) {
            FieldPath path = FieldPath.resolve(input, capture.getValue());
            if (path == null) {
                throw new IllegalArgumentException("capture {" + capture.getKey() + "}: " + capture.getValue()
                        + " is not a field of " + input.getFullName());
            }
            paths.put(capture.getKey(), Optional.of(path));
        }
        FieldDescriptor response = responseField;
        this.printer = response == null ? transcoder.json()::print : message -> transcoder.json().print(message, response);
        this.instruments = transcoder.instruments() == null ? null
                : transcoder.instruments().method(b.method.getService().getFullName(), b.method.getName());
    }

    private static FieldDescriptor topLevel(Descriptor type, String name, String what) {
        FieldDescriptor field = type.findFieldByName(name);
        if (field == null) {
            throw new IllegalArgumentException(what + ": " + name + " (expected: a field of " + type.getFullName()
                    + ", or \"*\" for the body)");
        }
        return field;
    }

    /** Returns the full name of the gRPC method, {@code package.Service/Method}. */
    public String fullMethodName() {
        return method.getFullMethodName();
    }

    /** Returns whether the method streams its replies. */
    public boolean isServerStreaming() {
        return streaming;
    }

    /**
     * Calls the method for this request; see the class's contract. A status the service chose (such as NOT_FOUND or
     * RESOURCE_EXHAUSTED) completes the stage with its JSON error response, as an HTTP upstream's 4xx would; a failed
     * call (UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL...) fails it with a {@link GatewayException}. A body over
     * 4 KiB becomes the message on one of the module's conversion threads, never on the IO thread that read it.
     */
    @Override
    public CompletionStage<Response> handle(Request request, Context context) {
        long start = System.nanoTime();
        Abandon abandon = new Abandon();
        context.onComplete(abandon);
        if (!hasBody) {
            request.body().discard();
            return call(request, context, null, start, abandon);
        }
        Route route = context.route();
        long max = route != null && route.maxBodySize() >= 0 ? route.maxBodySize() : transcoder.maxBodySize();
        return request.body().bytes(max).thenCompose(bytes -> bytes.length <= MAX_INLINE_BODY
                ? call(request, context, bytes, start, abandon)
                : callElsewhere(request, context, bytes, start, abandon));
    }

    /** Converts the body into the message on a conversion thread, then calls from there. */
    private CompletionStage<Response> callElsewhere(Request request, Context context, byte[] body, long start,
                                                    Abandon abandon) {
        CompletableFuture<Response> response = new CompletableFuture<>();
        try {
            Conversions.executor().execute(() -> {
                if (abandon.isOver()) { // the client went away while the body waited: as a call cancelled then
                    response.completeExceptionally(StatusMapping.toException(Status.CANCELLED));
                    return;
                }
                if (remaining(context, start) <= 0) { // waited past the deadline: no conversion either
                    response.completeExceptionally(GatewayException.gatewayTimeout("the route's deadline passed"));
                    return;
                }
                CompletableFuture<Response> called;
                try {
                    called = call(request, context, body, start, abandon).toCompletableFuture();
                } catch (RuntimeException e) {
                    response.completeExceptionally(e);
                    return;
                }
                called.whenComplete((answer, failure) -> {
                    if (failure != null) {
                        response.completeExceptionally(failure);
                    } else {
                        response.complete(answer);
                    }
                });
                response.whenComplete((answer, failure) -> {
                    if (failure instanceof CancellationException) {
                        called.cancel(false);
                    }
                });
            });
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(GatewayException.serviceUnavailable(
                    "the gateway has too many JSON bodies waiting for conversion"));
        }
        return response;
    }

    private CompletionStage<Response> call(Request request, Context context, byte[] body, long start,
                                           Abandon abandon) {
        DynamicMessage message;
        try {
            message = bind(request, context, body);
        } catch (GatewayException e) {
            return CompletableFuture.failedFuture(e);
        }
        long remaining = remaining(context, start);
        if (remaining <= 0) {
            return CompletableFuture.failedFuture(GatewayException.gatewayTimeout("the route's deadline passed"));
        }
        RpcSpan span = instruments == null ? null : instruments.start(parent(context));
        ClientCall<DynamicMessage, DynamicMessage> call = transcoder.channel()
                .newCall(method, CallOptions.DEFAULT.withDeadlineAfter(remaining, TimeUnit.NANOSECONDS));
        Metadata metadata = transcoder.metadata().requestMetadata(request, context, span);
        String requestId = context.requestId();
        CompletableFuture<Response> response;
        BooleanSupplier closed;
        if (streaming) {
            StreamFormat chosen = negotiate ? negotiate(request.header("Accept")) : format;
            StreamingCall listener = new StreamingCall(status, chosen, printer, transcoder.metadata(), requestId, span);
            listener.bind(call);
            response = listener.response();
            closed = listener::isClosed;
            call.start(listener, metadata);
        } else {
            UnaryCall listener = new UnaryCall(status, printer, transcoder.metadata(), requestId, span);
            response = listener.response();
            closed = listener::isClosed;
            call.start(listener, metadata);
        }
        call.request(1);
        call.sendMessage(message);
        call.halfClose();
        abandon.arm(() -> {
            if (!closed.getAsBoolean()) { // the client went away first
                abandon(span);
                call.cancel("the request is over", null);
            }
        });
        response.whenComplete((answer, failure) -> {
            if (failure instanceof CancellationException) {
                abandon(span);
                call.cancel("the gateway cancelled the request", null);
            }
        });
        return response;
    }

    /** Returns the nanoseconds left of the route's timeout (or the transcoder's deadline), from the request's start. */
    private long remaining(Context context, long start) {
        Route route = context.route();
        Duration timeout = route != null && route.timeout() != null ? route.timeout() : transcoder.deadline();
        return timeout.toNanos() - (System.nanoTime() - start);
    }

    /**
     * What ends a call when the request is over before it (the client went away): registered before the body is
     * read, so that it sees the request end whichever thread the call starts on, and armed once the call started;
     * armed after the end, it acts at once.
     */
    private static final class Abandon implements Consumer<Completion> {

        private Runnable action;
        private boolean over;

        synchronized boolean isOver() {
            return over;
        }

        void arm(Runnable action) {
            synchronized (this) {
                if (!over) {
                    this.action = action;
                    return;
                }
            }
            action.run();
        }

        @Override
        public void accept(Completion completion) {
            Runnable armed;
            synchronized (this) {
                over = true;
                armed = action;
                action = null;
            }
            if (armed != null) {
                armed.run();
            }
        }
    }

    /** Returns the parent of a call's span: the request's server span, or a new trace's root when it has none. */
    private static io.opentelemetry.context.Context parent(Context context) {
        io.opentelemetry.context.Context server = context.get(Telemetry.CONTEXT);
        return server != null ? server : io.opentelemetry.context.Context.root();
    }

    private static void abandon(RpcSpan span) {
        if (span != null) {
            span.abandon();
        }
    }

    private StreamFormat negotiate(String accept) {
        if (accept != null) {
            if (accept.contains("text/event-stream")) {
                return StreamFormat.SSE;
            }
            if (accept.contains("application/x-ndjson")) {
                return StreamFormat.NDJSON;
            }
        }
        return format;
    }

    private DynamicMessage bind(Request request, Context context, byte[] body) {
        DynamicMessage.Builder message = DynamicMessage.newBuilder(input);
        if (body != null) {
            Consumer<Thread> observer = transcoder.conversionObserver;
            if (observer != null) {
                observer.accept(Thread.currentThread());
            }
            transcoder.json().merge(body, message, bodyField, maxBodyDepth, maxBodyValues);
        }
        String rawQuery = request.rawQuery();
        if (rawQuery != null && !rawQuery.isEmpty()) {
            Map<String, List<String>> query;
            try {
                query = QueryString.parse(rawQuery);
            } catch (IllegalArgumentException e) {
                throw GatewayException.badRequest("the query string is malformed");
            }
            for (Map.Entry<String, List<String>> param : query.entrySet()) {
                FieldPath path = hasBody && bodyField == null ? null : path(param.getKey());
                if (path != null) {
                    path.set(message, param.getValue());
                } else if (!transcoder.ignoresUnknownQueryParameters()) {
                    throw GatewayException.badRequest("unknown query parameter " + shorten(param.getKey())
                            + " (no field of " + input.getFullName() + " takes it)");
                }
            }
        }
        for (Map.Entry<String, String> capture : context.pathParams().entrySet()) {
            FieldPath path = path(capture.getKey());
            if (path != null) {
                path.set(message, List.of(capture.getValue()));
            }
        }
        return message.build();
    }

    /** Returns the field a capture or query parameter of this name sets, with dashes as dots, or {@code null}. */
    private FieldPath path(String name) {
        Optional<FieldPath> known = paths.get(name);
        if (known == null) {
            FieldPath resolved;
            try {
                resolved = FieldPath.resolve(input, name.replace('-', '.'));
            } catch (IllegalArgumentException e) {
                throw GatewayException.badRequest(shorten(name) + " names a field that text cannot set");
            }
            known = resolved == null ? NO_FIELD : Optional.of(resolved);
            if (paths.size() < MAX_CACHED_PATHS) {
                paths.put(name, known);
            }
        }
        return known.orElse(null);
    }

    private static String shorten(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }

    static int checkDepth(int levels) {
        if (levels < 1 || levels > MAX_BODY_DEPTH) {
            throw new IllegalArgumentException("maxBodyDepth: " + levels + " (expected: 1-" + MAX_BODY_DEPTH + ")");
        }
        return levels;
    }

    static int checkValues(int values) {
        if (values < 1) {
            throw new IllegalArgumentException("maxBodyValues: " + values + " (expected: > 0)");
        }
        return values;
    }

    /** A builder of {@link GrpcMethod}; {@link #build()} checks the fields it names against the method's types. */
    public static final class Builder {

        private final GrpcTranscoder transcoder;
        private final MethodDescriptor method;
        private String body;
        private String responseBody;
        private int status = 200;
        private StreamFormat format = StreamFormat.JSON_ARRAY;
        private boolean negotiate = true;
        private int maxBodyDepth; // 0: the transcoder's
        private int maxBodyValues;
        private final Map<String, String> captures = new LinkedHashMap<>();

        Builder(GrpcTranscoder transcoder, MethodDescriptor method) {
            this.transcoder = transcoder;
            this.method = method;
            if (method.isClientStreaming()) {
                throw new IllegalArgumentException("method " + method.getFullName()
                        + ": client streaming (expected: a unary or server-streaming method)");
            }
        }

        /**
         * Sets where the JSON body goes: {@code "*"} for the whole request message, or the name of one top-level
         * field; by default the body is not read (and the query parameters may set any field).
         */
        public Builder body(String field) {
            this.body = Objects.requireNonNull(field, "field");
            return this;
        }

        /** Answers only this top-level field of the reply (such as a list), instead of the whole reply. */
        public Builder responseBody(String field) {
            this.responseBody = Objects.requireNonNull(field, "field");
            return this;
        }

        /** Sets the status of a successful answer (default 200), such as 201 for a create. */
        public Builder status(int status) {
            if (status < 200 || status > 299) {
                throw new IllegalArgumentException("status: " + status + " (expected: 200-299)");
            }
            this.status = status;
            return this;
        }

        /**
         * Sets how a server-streaming method's replies are framed (default {@link StreamFormat#JSON_ARRAY}); unless
         * {@code negotiate} is false, a request that accepts {@code text/event-stream} or
         * {@code application/x-ndjson} gets that framing instead.
         */
        public Builder streamFormat(StreamFormat format, boolean negotiate) {
            this.format = Objects.requireNonNull(format, "format");
            this.negotiate = negotiate;
            return this;
        }

        /**
         * Makes the path capture {@code {name}} set this field path (such as {@code item.id}); by default a capture
         * sets the field of its own name, with dashes read as dots ({@code {item-id}} sets {@code item.id}).
         */
        public Builder capture(String name, String fieldPath) {
            captures.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(fieldPath, "fieldPath"));
            return this;
        }

        /**
         * Sets the deepest nesting of arrays and objects taken in this method's JSON body, instead of the
         * transcoder's {@link GrpcTranscoder.Builder#maxBodyDepth}; a deeper body answers 400 before any call.
         */
        public Builder maxBodyDepth(int levels) {
            this.maxBodyDepth = checkDepth(levels);
            return this;
        }

        /**
         * Sets the most JSON values taken in this method's body, instead of the transcoder's
         * {@link GrpcTranscoder.Builder#maxBodyValues}; a body with more answers 400 before any call.
         */
        public Builder maxBodyValues(int values) {
            this.maxBodyValues = checkValues(values);
            return this;
        }

        /** Returns the handler. */
        public GrpcMethod build() {
            return new GrpcMethod(this);
        }
    }
}
