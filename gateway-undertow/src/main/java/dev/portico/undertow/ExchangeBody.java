package dev.portico.undertow;

import dev.portico.core.Body;
import dev.portico.core.GatewayException;
import dev.portico.core.internal.body.Bodies;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.server.handlers.HttpContinueReadHandler;
import io.undertow.server.protocol.http.HttpContinue;
import io.undertow.util.Headers;
import io.undertow.util.Protocols;
import org.xnio.channels.StreamSourceChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * The body of a client's request, read from the exchange only when something asks for it: streamed to an upstream,
 * published as chunks with backpressure, read with a bound, or discarded. It can be read once; buffer it to send it
 * again.
 */
final class ExchangeBody implements Body {

    /** Undertow's 100-continue support; with a no-op next handler it only adds its request wrapper. */
    private static final HttpHandler CONTINUE_ON_FIRST_READ = new HttpContinueReadHandler(exchange -> { });

    /**
     * Returns whether the request's Content-Length is past what a {@code long} holds: Undertow's parser wraps such a
     * length around (2^64 + 5 frames 5 bytes), and its exchange then fails to read it back.
     */
    static boolean lengthUnreadable(HttpServerExchange exchange) {
        String length = exchange.getRequestHeaders().getFirst(Headers.CONTENT_LENGTH);
        if (length == null || length.length() < 19) { // eighteen digits always fit
            return false;
        }
        try {
            Long.parseLong(length);
            return false;
        } catch (NumberFormatException e) {
            return true;
        }
    }

    /** The largest rest of a discarded body that is drained to keep the connection; beyond it the connection closes. */
    private static final long MAX_DRAIN = 64 * 1024;

    private final HttpServerExchange exchange;
    private final long length;
    private boolean consumed;

    ExchangeBody(HttpServerExchange exchange) {
        this.exchange = exchange;
        long contentLength;
        try {
            contentLength = exchange.getRequestContentLength();
        } catch (NumberFormatException refused) { // past a long: PorticoHandler refuses the request (lengthUnreadable)
            contentLength = 0;
        }
        if (contentLength >= 0) {
            this.length = contentLength;
        } else {
            // HTTP/2 frames a body without either header: it has one unless its head ended the stream
            boolean chunked = exchange.getRequestHeaders().contains(Headers.TRANSFER_ENCODING)
                    || exchange.getProtocol().equals(Protocols.HTTP_2_0) && !exchange.isRequestComplete();
            this.length = chunked ? -1 : 0;
            if (chunked && exchange.isHttp10()) {
                // RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 means faulty framing: serve the request, then close,
                // so that bytes a proxy in front of the gateway framed otherwise are never read as another request
                exchange.setPersistent(false);
            }
        }
        if (length != 0 && HttpContinue.requiresContinueResponse(exchange)) {
            // the client holds its body back until told to send it: tell it (100 Continue) when the body is first
            // read, so that a request refused before that (404, 413, ...) gets its final status instead
            try {
                CONTINUE_ON_FIRST_READ.handleRequest(exchange);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * Opens the body as the exchange's request channel, bounded by {@code maxBytes} (413 beyond), for streaming it
     * upstream; returns {@code null} when {@code body} is not this exchange's own or was already read.
     */
    static StreamSourceChannel open(HttpServerExchange exchange, Body body, long maxBytes) {
        if (!(body instanceof ExchangeBody streamed) || streamed.exchange != exchange || !streamed.claim()) {
            return null;
        }
        if (!exchange.getProtocol().equals(Protocols.HTTP_2_0)) {
            // (on HTTP/2, Undertow's own bound resets the stream, and the 413 could not be answered)
            exchange.setMaxEntitySize(maxBytes);
        }
        exchange.addRequestWrapper((factory, ex) -> new LimitedSourceConduit(factory.create(), maxBytes));
        return exchange.getRequestChannel();
    }

    /** Marks the body as taken by a transfer; returns {@code false} when it was already read. */
    synchronized boolean claim() {
        if (consumed) {
            return false;
        }
        consumed = true;
        return true;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public boolean isBuffered() {
        return length == 0;
    }

    /**
     * Reads the whole body from its chunks, counting them against the bound itself: 413 once it is passed, whatever
     * the framing, and the rest is then not read (the connection closes after the response).
     */
    @Override
    public CompletionStage<byte[]> bytes(long maxBytes) {
        if (length == 0) {
            return CompletableFuture.completedFuture(new byte[0]);
        }
        if (length > maxBytes) {
            return CompletableFuture.failedFuture(GatewayException.payloadTooLarge(maxBytes));
        }
        return Bodies.collect(this, maxBytes);
    }

    /**
     * Gives the body up: a short rest is drained by the exchange when it ends, so the connection can serve the next
     * request; a longer or unknown one closes the connection after the response instead.
     */
    @Override
    public CompletionStage<Void> discard() {
        if (length != 0 && claim() && (length < 0 || length > MAX_DRAIN)) {
            onIoThread(() -> {
                if (!exchange.isRequestComplete()) {
                    exchange.setPersistent(false);
                }
            });
        }
        return CompletableFuture.completedFuture(null);
    }

    private void onIoThread(Runnable task) {
        if (exchange.isInIoThread()) {
            task.run();
        } else {
            exchange.getIoThread().execute(task);
        }
    }

    /**
     * Publishes the body as chunks read from the client only as the subscriber asks, each a copy that belongs to it;
     * the subscriber is called on the exchange's IO thread. A read that fails ends with a 400 {@link GatewayException}.
     */
    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        if (length == 0) {
            subscriber.onSubscribe(Bodies.NONE);
            subscriber.onComplete();
            return;
        }
        if (!claim()) {
            Bodies.refuse(subscriber, "the request body was already read; buffer it to send it again");
            return;
        }
        subscriber.onSubscribe(new Publication(subscriber));
    }

    /** Reads the client's body while the subscriber has demand. */
    private final class Publication implements Flow.Subscription {
        private final Flow.Subscriber<? super ByteBuffer> subscriber;
        private final ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
        private StreamSourceChannel channel;
        private long demand;
        private boolean pumping;
        private boolean finished;

        Publication(Flow.Subscriber<? super ByteBuffer> subscriber) {
            this.subscriber = subscriber;
        }

        @Override
        public void request(long n) {
            onIoThread(() -> {
                if (finished) {
                    return;
                }
                if (n <= 0) {
                    cancelled();
                    subscriber.onError(new IllegalArgumentException("n: " + n + " (expected: > 0)"));
                    return;
                }
                demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
                pump();
            });
        }

        @Override
        public void cancel() {
            onIoThread(this::cancelled);
        }

        private void cancelled() {
            if (!finished) {
                finished = true;
                stopReading();
                if (!exchange.isRequestComplete()) {
                    exchange.setPersistent(false); // the rest is not read: close after the response
                }
            }
        }

        private void stopReading() {
            if (channel != null) {
                channel.suspendReads();
                channel.getReadSetter().set(null);
            }
        }

        private void pump() {
            if (pumping) {
                return;
            }
            pumping = true;
            try {
                read();
            } finally {
                pumping = false;
            }
        }

        private void read() {
            if (channel == null) {
                if (exchange.isComplete()) {
                    finished = true;
                    subscriber.onError(GatewayException.badRequest("the request body could not be read"));
                    return;
                }
                channel = exchange.getRequestChannel();
                if (channel == null) {
                    finished = true;
                    subscriber.onError(new IllegalStateException("the request body was already read"));
                    return;
                }
            }
            while (!finished && demand > 0) {
                int n;
                try {
                    buffer.clear();
                    n = channel.read(buffer);
                } catch (IOException e) {
                    finished = true;
                    stopReading();
                    subscriber.onError(e instanceof RequestTooBigException
                            ? GatewayException.payloadTooLarge(exchange.getMaxEntitySize())
                            : GatewayException.badRequest("the request body could not be read"));
                    return;
                }
                if (n < 0) {
                    finished = true;
                    stopReading();
                    subscriber.onComplete();
                    return;
                }
                if (n == 0) {
                    channel.getReadSetter().set(c -> pump());
                    channel.resumeReads();
                    return;
                }
                buffer.flip();
                ByteBuffer chunk = ByteBuffer.allocate(n);
                chunk.put(buffer).flip();
                demand--;
                subscriber.onNext(chunk);
            }
            if (!finished) {
                channel.suspendReads();
            }
        }
    }

    @Override
    public String toString() {
        return "Body{streamed from the client, " + (length < 0 ? "chunked" : length + " bytes") + '}';
    }
}
