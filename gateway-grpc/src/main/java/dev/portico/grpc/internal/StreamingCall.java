package dev.portico.grpc.internal;

import com.google.protobuf.DynamicMessage;
import dev.portico.core.Body;
import dev.portico.core.Headers;
import dev.portico.core.Response;
import dev.portico.grpc.StreamFormat;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The listener of a server-streaming call and the publisher of its response body: the response starts with the
 * first message (or the call's end), and each later message is framed and handed to the body's subscriber as it
 * arrives; the call is asked for one message at a time, only while the subscriber wants more, so a slow client
 * slows the upstream instead of filling memory.
 *
 * <p>A call that fails before its first message answers the JSON error or the gateway error of its status; one that
 * fails after it ends an array body abruptly (the connection closes, so the client cannot take a cut array for a
 * whole one), and ends an NDJSON or SSE body with an error line or {@code error} event carrying the request id. The
 * call's span, if any, ends when the call closes.
 */
public final class StreamingCall extends ClientCall.Listener<DynamicMessage>
        implements Flow.Publisher<ByteBuffer>, Flow.Subscription {

    private final CompletableFuture<Response> response = new CompletableFuture<>();
    private final int successStatus;
    private final StreamFormat format;
    private final Function<DynamicMessage, String> printer;
    private final MetadataMapping metadata;
    private final String requestId;
    private final RpcSpan span;
    private final Queue<ByteBuffer> chunks = new ConcurrentLinkedQueue<>();
    private final AtomicLong demand = new AtomicLong();
    private final AtomicInteger work = new AtomicInteger();
    private final AtomicBoolean requested = new AtomicBoolean(true); // the start asks for the first message
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private volatile ClientCall<DynamicMessage, DynamicMessage> call;
    private volatile Flow.Subscriber<? super ByteBuffer> subscriber;
    private volatile boolean closed;
    private volatile Throwable failure;
    private volatile boolean cancelled;
    private boolean terminated; // by the draining thread only
    private Metadata headers;
    private volatile boolean ended;
    private int messages;

    /**
     * Creates the listener of a call made for the request with this id ({@code null} when ids are off), traced by
     * this span ({@code null} without telemetry).
     */
    public StreamingCall(int successStatus, StreamFormat format, Function<DynamicMessage, String> printer,
                         MetadataMapping metadata, String requestId, RpcSpan span) {
        this.successStatus = successStatus;
        this.format = format;
        this.printer = printer;
        this.metadata = metadata;
        this.requestId = requestId;
        this.span = span;
    }

    /** Binds the call this listener listens to, before it starts. */
    public void bind(ClientCall<DynamicMessage, DynamicMessage> call) {
        this.call = call;
    }

    /** Returns the stage that completes with the response once the first message arrives or the call ends. */
    public CompletableFuture<Response> response() {
        return response;
    }

    @Override
    public void onHeaders(Metadata headers) {
        this.headers = headers;
    }

    @Override
    public void onMessage(DynamicMessage message) {
        String json;
        try {
            json = printer.apply(message);
        } catch (RuntimeException e) {
            call.cancel("the message cannot be written as JSON", e);
            return;
        }
        boolean first = messages++ == 0;
        String framed = switch (format) {
            case JSON_ARRAY -> (first ? "[" : ",") + json;
            case NDJSON -> json + '\n';
            case SSE -> "data: " + json + "\n\n";
        };
        chunks.add(ByteBuffer.wrap(framed.getBytes(StandardCharsets.UTF_8)));
        requested.set(false);
        if (first) {
            response.complete(start(Body.of(this, -1)));
        }
        drain();
    }

    /** Returns whether the call has closed, so that cancelling it would do nothing. */
    public boolean isClosed() {
        return ended;
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
        ended = true;
        if (span != null) {
            span.end(status);
        }
        if (messages == 0) {
            if (status.isOk()) {
                response.complete(start(Body.of(format == StreamFormat.JSON_ARRAY ? "[]" : "")));
            } else {
                Errors.complete(response, status, metadata, headers, trailers, requestId);
            }
            return;
        }
        if (status.isOk()) {
            if (format == StreamFormat.JSON_ARRAY) {
                chunks.add(ByteBuffer.wrap(new byte[] {']'}));
            }
        } else if (format == StreamFormat.JSON_ARRAY) {
            failure = new IOException("the gRPC upstream failed mid-stream: " + status.getCode());
        } else {
            String error = Errors.json(status, requestId);
            String framed = format == StreamFormat.NDJSON ? error + '\n' : "event: error\ndata: " + error + "\n\n";
            chunks.add(ByteBuffer.wrap(framed.getBytes(StandardCharsets.UTF_8)));
        }
        closed = true;
        drain();
    }

    private Response start(Body body) {
        Headers.Builder out = Headers.builder().set("Content-Type", format.contentType());
        if (format == StreamFormat.SSE) {
            out.set("Cache-Control", "no-cache");
        }
        metadata.exposeTo(out, headers, null);
        return Response.builder(successStatus).headers(out.build()).body(body).build();
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        if (!subscribed.compareAndSet(false, true)) {
            subscriber.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                }

                @Override
                public void cancel() {
                }
            });
            subscriber.onError(new IllegalStateException("the stream was already read"));
            return;
        }
        this.subscriber = subscriber;
        subscriber.onSubscribe(this);
        drain();
    }

    @Override
    public void request(long n) {
        if (n <= 0) {
            failure = new IllegalArgumentException("request: " + n + " (expected: > 0)");
            closed = true;
            chunks.clear();
            call.cancel("the body's subscriber broke the protocol", null);
        } else {
            demand.getAndAccumulate(n, (current, more) -> current + more < 0 ? Long.MAX_VALUE : current + more);
        }
        drain();
    }

    @Override
    public void cancel() {
        if (!cancelled) {
            cancelled = true;
            chunks.clear();
            if (span != null) {
                span.abandon();
            }
            call.cancel("the client went away", null);
        }
    }

    private void drain() {
        if (work.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            Flow.Subscriber<? super ByteBuffer> out = subscriber;
            if (out != null && !terminated && !cancelled) {
                while (demand.get() > 0) {
                    ByteBuffer chunk = chunks.poll();
                    if (chunk == null) {
                        break;
                    }
                    demand.decrementAndGet();
                    out.onNext(chunk);
                }
                if (chunks.isEmpty() && closed) {
                    terminated = true;
                    Throwable error = failure;
                    if (error != null) {
                        out.onError(error);
                    } else {
                        out.onComplete();
                    }
                } else if (chunks.isEmpty() && !closed && demand.get() > 0 && requested.compareAndSet(false, true)) {
                    call.request(1);
                }
            }
            missed = work.addAndGet(-missed);
        } while (missed != 0);
    }
}
