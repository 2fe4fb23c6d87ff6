package dev.portico.undertow.internal.client;

import dev.portico.core.Body;
import dev.portico.core.GatewayException;
import dev.portico.core.internal.body.Bodies;
import dev.portico.undertow.internal.server.ClientConnections;
import io.undertow.server.HttpServerExchange;
import org.xnio.channels.StreamSinkChannel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.Consumer;

/**
 * An upstream response body, read from the upstream connection at most once: streamed to the client with
 * backpressure (each byte written as soon as it arrives), published as chunks to a subscriber with backpressure,
 * buffered with a bound, or discarded (drained when the rest is already at hand, else closed). Its framing (a length, chunks, or
 * the connection's end) is decoded here; the connection goes back to the pool once the body is read to its end, and
 * is closed if the body is abandoned, stalls past the body idle timeout, or breaks its framing.
 */
public final class UpstreamBody implements Body {

    private enum State { UNREAD, READING, DONE, ABANDONED }

    private static final ByteBuffer NOTHING_YET = ByteBuffer.allocate(0);

    /** The most a discard reads to keep the connection; a longer rest closes it instead. */
    private static final int MAX_DRAIN = 64 * 1024;

    private final UpstreamCall call;
    private final UpstreamConnection connection;
    private final long framing;
    private final ChunkedDecoder chunks;
    private final int maxOverhead;
    private long remaining;
    private State state = State.UNREAD;
    private Consumer<GatewayException> onBroken;

    /** A body framed by a length, by {@link ResponseHead#CHUNKED} or by {@link ResponseHead#UNTIL_CLOSE}. */
    UpstreamBody(UpstreamCall call, UpstreamConnection connection, long framing, int maxOverhead) {
        this.call = call;
        this.connection = connection;
        this.framing = framing;
        this.maxOverhead = maxOverhead;
        this.chunks = framing == ResponseHead.CHUNKED ? new ChunkedDecoder(maxOverhead) : null;
        this.remaining = framing;
    }

    @Override
    public long length() {
        return framing >= 0 ? framing : -1;
    }

    @Override
    public boolean isBuffered() {
        return false;
    }

    /** Refuses chunk framing that is already buffered and broken, while the response can still be a clean 502. */
    void checkBuffered() throws BadResponseException {
        ByteBuffer buffered = connection.buffer();
        if (buffered == null) {
            return;
        }
        ByteBuffer view = buffered.duplicate();
        ChunkedDecoder probe = new ChunkedDecoder(maxOverhead);
        for (long n = probe.next(view); n > 0; n = probe.next(view)) {
            view.position(view.position() + (int) n);
            probe.consumed(n);
        }
    }

    private boolean begin() {
        synchronized (this) {
            if (state != State.UNREAD) {
                return false;
            }
            state = State.READING;
            return true;
        }
    }

    /** Ends reading: the connection is reused when the body was read whole, else closed. */
    private boolean end(boolean whole) {
        synchronized (this) {
            if (state == State.DONE || state == State.ABANDONED) {
                return false;
            }
            state = whole ? State.DONE : State.ABANDONED;
        }
        call.finished(whole);
        return true;
    }

    /** Closes the connection unless the body was read to its end; called when the client exchange ends. */
    void abandon() {
        end(false);
    }

    /** Ends a body whose upstream failed or stalled: the connection is closed, and whoever reads is told. */
    void broken(GatewayException failure) {
        Consumer<GatewayException> reader = onBroken;
        onBroken = null;
        if (end(false) && reader != null) {
            reader.accept(failure);
        }
    }

    /**
     * Returns payload bytes available now, as a view of the connection's buffer that must be consumed before the
     * next call; an empty buffer when the upstream must send more; {@code null} at the end of the body.
     */
    private ByteBuffer next() throws IOException {
        UpstreamConnection c = connection;
        while (true) {
            if (framing >= 0 ? remaining == 0 : chunks != null && chunks.isDone()) {
                return null;
            }
            ByteBuffer buffer = c.buffer();
            if (buffer != null && buffer.hasRemaining()) {
                long n = chunks != null ? chunks.next(buffer) : framing >= 0 ? Math.min(remaining, buffer.remaining())
                        : buffer.remaining();
                if (n > 0) {
                    ByteBuffer payload = buffer.slice();
                    payload.limit((int) n);
                    buffer.position(buffer.position() + (int) n);
                    if (chunks != null) {
                        chunks.consumed(n);
                    } else if (framing >= 0) {
                        remaining -= n;
                    }
                    return payload;
                }
                if (buffer.hasRemaining() || (chunks != null && chunks.isDone())) {
                    continue;
                }
            }
            int read = c.fill(Integer.MAX_VALUE);
            if (read < 0) {
                if (framing == ResponseHead.UNTIL_CLOSE) {
                    c.reusable = false;
                    return null;
                }
                throw new IOException("the upstream closed the connection inside a response body");
            }
            if (read == 0) {
                return NOTHING_YET;
            }
        }
    }

    /**
     * Discards the body: reads what the upstream has already sent, and returns the connection to the pool when that
     * was the whole rest of the body (at most {@value #MAX_DRAIN} bytes), else closes it. A body being read is
     * closed, and its reader told.
     */
    @Override
    public CompletionStage<Void> discard() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        call.onIoThread(() -> {
            if (!begin()) {
                if (state == State.READING) {
                    broken(GatewayException.badGateway("the response of upstream " + call.upstreamName()
                            + " was discarded while it was being read"));
                }
                done.complete(null);
                return;
            }
            call.guarded(() -> {
                long drained = 0;
                while (drained <= MAX_DRAIN) {
                    ByteBuffer next = next();
                    if (next == null) {
                        end(true);
                        return;
                    }
                    if (next == NOTHING_YET) {
                        break;
                    }
                    drained += next.remaining();
                    next.position(next.limit());
                }
                end(false);
            });
            end(false); // a fault in the drain, if the guard did not end the body already
            done.complete(null);
        });
        return done;
    }

    /**
     * Publishes the body as chunks, each a copy that belongs to the subscriber, read from the upstream only as the
     * subscriber asks; the subscriber is called on the exchange's IO thread. Cancelling abandons the body.
     */
    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        if (!begin()) {
            Bodies.refuse(subscriber, "the upstream body was already read");
            return;
        }
        new Publication(subscriber).start();
    }

    /** Reads chunks while the subscriber has demand, waiting on the upstream when it has sent nothing more. */
    private final class Publication implements Flow.Subscription {
        private final Flow.Subscriber<? super ByteBuffer> subscriber;
        private long demand;
        private boolean pumping;
        private boolean finished;

        Publication(Flow.Subscriber<? super ByteBuffer> subscriber) {
            this.subscriber = subscriber;
        }

        void start() {
            onBroken = failure -> {
                finished = true;
                subscriber.onError(failure);
            };
            subscriber.onSubscribe(this);
        }

        @Override
        public void request(long n) {
            call.onIoThread(() -> {
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
            call.onIoThread(this::cancelled);
        }

        private void cancelled() {
            if (!finished) {
                finished = true;
                onBroken = null;
                connection.source.getReadSetter().set(null);
                end(false);
            }
        }

        private void pump() {
            if (pumping) {
                return; // a request from inside onNext: the loop below goes on
            }
            pumping = true;
            try {
                call.guarded(this::copy);
            } finally {
                pumping = false;
            }
        }

        private void copy() throws IOException {
            while (!finished && state == State.READING && demand > 0) {
                ByteBuffer next = next();
                if (next == null) {
                    finished = true;
                    onBroken = null;
                    connection.source.getReadSetter().set(null);
                    end(true);
                    subscriber.onComplete();
                    return;
                }
                if (next == NOTHING_YET) {
                    connection.source.getReadSetter().set(channel -> pump());
                    connection.source.resumeReads();
                    call.awaitBody();
                    return;
                }
                UpstreamCall.step(UpstreamCall.Step.BODY_READ);
                ByteBuffer chunk = ByteBuffer.allocate(next.remaining());
                chunk.put(next).flip();
                demand--;
                subscriber.onNext(chunk);
            }
            if (!finished && demand == 0) {
                // the subscriber is slow, not the upstream: wait for it without the upstream's idle timeout
                connection.source.suspendReads();
                call.cancelTimer();
            }
        }
    }

    /** Streams the body to the client's response, which it ends; call on the exchange's IO thread. */
    public void transferTo(HttpServerExchange server) {
        if (!begin()) {
            server.endExchange();
            return;
        }
        new Transfer(server).run();
    }

    /** Copies the body to the client, waiting on whichever side is not ready. */
    private final class Transfer {
        private final HttpServerExchange server;
        private final StreamSinkChannel sink;
        private ByteBuffer pending;

        Transfer(HttpServerExchange server) {
            this.server = server;
            this.sink = server.getResponseChannel();
            onBroken = failure -> ClientConnections.abort(server);
        }

        void run() {
            call.guarded(this::copy);
        }

        private void copy() throws IOException {
            while (state == State.READING) {
                if (pending != null) {
                    while (pending.hasRemaining()) {
                        if (sink.write(pending) == 0) {
                            awaitClient();
                            return;
                        }
                    }
                    pending = null;
                }
                ByteBuffer next = next();
                if (next == null) {
                    onBroken = null;
                    end(true);
                    finishResponse();
                    return;
                }
                if (next == NOTHING_YET) {
                    awaitUpstream();
                    return;
                }
                UpstreamCall.step(UpstreamCall.Step.BODY_READ);
                pending = next;
            }
        }

        /** The client is slow: wait for it, not for the upstream, and without the upstream's idle timeout. */
        private void awaitClient() {
            connection.source.suspendReads();
            call.cancelTimer();
            sink.getWriteSetter().set(channel -> run());
            sink.resumeWrites();
        }

        /** The upstream has sent nothing more yet: what was written goes out now (the head first), then wait. */
        private void awaitUpstream() throws IOException {
            if (sink.flush()) {
                sink.suspendWrites();
            } else {
                sink.getWriteSetter().set(channel -> run());
                sink.resumeWrites();
            }
            connection.source.getReadSetter().set(channel -> run());
            connection.source.resumeReads();
            call.awaitBody();
        }

        private void finishResponse() {
            connection.source.getReadSetter().set(null);
            ResponseEnd.end(server, sink);
        }
    }

    @Override
    public CompletionStage<byte[]> bytes(long maxBytes) {
        if (!begin()) {
            return CompletableFuture.failedFuture(new IllegalStateException("the upstream body was already read"));
        }
        if (length() > maxBytes) {
            end(false);
            return CompletableFuture.failedFuture(tooLarge(maxBytes));
        }
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        call.onIoThread(() -> new Reader(result, maxBytes).run());
        return result;
    }

    private GatewayException tooLarge(long maxBytes) {
        return GatewayException.badGateway("upstream " + call.upstreamName() + " response exceeds " + maxBytes + " bytes");
    }

    /** Reads the whole body into memory, failing once it exceeds the bound. */
    private final class Reader {
        private final CompletableFuture<byte[]> result;
        private final long maxBytes;
        private final ByteArrayOutputStream out;

        Reader(CompletableFuture<byte[]> result, long maxBytes) {
            this.result = result;
            this.maxBytes = maxBytes;
            this.out = new ByteArrayOutputStream(framing > 0 ? (int) framing : 512);
            onBroken = result::completeExceptionally;
        }

        void run() {
            call.guarded(this::read);
        }

        private void read() throws IOException {
            while (state == State.READING) {
                ByteBuffer next = next();
                if (next == null) {
                    onBroken = null;
                    end(true);
                    result.complete(out.toByteArray());
                    return;
                }
                if (next == NOTHING_YET) {
                    connection.source.getReadSetter().set(channel -> run());
                    connection.source.resumeReads();
                    call.awaitBody();
                    return;
                }
                if (out.size() + (long) next.remaining() > maxBytes) {
                    onBroken = null;
                    end(false);
                    result.completeExceptionally(tooLarge(maxBytes));
                    return;
                }
                UpstreamCall.step(UpstreamCall.Step.BODY_READ);
                byte[] chunk = new byte[next.remaining()];
                next.get(chunk);
                out.write(chunk, 0, chunk.length);
            }
        }
    }
}
