package dev.portico.core;

import dev.portico.core.internal.body.Bodies;
import dev.portico.core.internal.body.BufferedBody;
import dev.portico.core.internal.body.MappedBody;
import dev.portico.core.internal.body.PublishedBody;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.Function;

/**
 * A message body: a publisher of its chunks, with backpressure, that is either buffered in memory (and can be read
 * any number of times) or streamed once from the network or from a publisher; reading it never blocks.
 *
 * <p>Bodies stream by default. A filter that needs the bytes asks for them with a bound, and a filter that must send
 * a body twice (a retry) buffers it first:
 * <pre>{@code
 * request.body().buffer(64 * 1024).thenCompose(body -> chain.proceed(request.toBuilder().body(body).build()));
 * }</pre>
 * A filter that transforms a body without buffering it maps its chunks: {@code response.body().map(upperCase)}.
 * A body that is not sent on must be {@linkplain #discard() discarded}, so that its connection is drained or closed.
 *
 * <p>The chunks follow {@link Flow}: nothing is produced before the subscriber requests it, and each chunk handed to
 * {@code onNext} belongs to the subscriber. A streamed body accepts one subscriber; another gets {@code onError}.
 * The gateway may call a subscriber's methods on an IO thread, so they must not block.
 */
public interface Body extends Flow.Publisher<ByteBuffer> {

    /** Returns the length in bytes when it is known in advance, or {@code -1}. */
    long length();

    /** Returns whether the bytes are in memory, so reading them is immediate and repeatable. */
    default boolean isBuffered() {
        return false;
    }

    /**
     * Subscribes to the body's chunks; a streamed body can be read only once, and a second subscriber gets
     * {@code onError} with an {@link IllegalStateException}.
     */
    @Override
    void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber);

    /**
     * Reads the whole body, at most {@code maxBytes} of it; a streamed body can be read only once. The stage fails
     * with a {@link GatewayException} when the body is larger: 413 for a request body or a body of your own, 502 for
     * an upstream's response body.
     */
    default CompletionStage<byte[]> bytes(long maxBytes) {
        return Bodies.collect(this, maxBytes);
    }

    /** Reads the whole body as UTF-8 text, with the bound and failures of {@link #bytes(long)}. */
    default CompletionStage<String> text(long maxBytes) {
        return bytes(maxBytes).thenApply(bytes -> new String(bytes, StandardCharsets.UTF_8));
    }

    /**
     * Returns a buffered body of the same bytes, which can be sent any number of times (to retry a request), reading
     * at most {@code maxBytes}, with the failures of {@link #bytes(long)}; a buffered body returns itself.
     */
    default CompletionStage<Body> buffer(long maxBytes) {
        if (isBuffered()) {
            return CompletableFuture.completedFuture(this);
        }
        return bytes(maxBytes).thenApply(Body::of);
    }

    /**
     * Gives the body up without reading it: an upstream's connection is drained when the rest is already at hand,
     * else closed; a client's request is drained or its connection closed after the response; a publisher is
     * cancelled. Completes once done; never fails.
     */
    default CompletionStage<Void> discard() {
        return Bodies.discard(this);
    }

    /**
     * Returns a streamed body whose chunks are these chunks transformed one by one, in order, as they arrive; its
     * length is unknown. The function runs on whatever thread delivers a chunk (often an IO thread), so it must not
     * block; returning an empty buffer drops the chunk. Discarding the result discards this body.
     */
    default Body map(Function<? super ByteBuffer, ? extends ByteBuffer> transform) {
        return new MappedBody(this, Objects.requireNonNull(transform, "transform"));
    }

    /** Returns the empty body. */
    static Body empty() {
        return BufferedBody.EMPTY;
    }

    /** Returns a buffered body of these bytes, which the caller must not change afterwards. */
    static Body of(byte[] bytes) {
        return bytes.length == 0 ? BufferedBody.EMPTY : new BufferedBody(bytes);
    }

    /** Returns a buffered body of this text in UTF-8. */
    static Body of(String text) {
        return of(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Returns a streamed body of the chunks of this publisher, which may be subscribed to once; {@code length} is the
     * number of bytes it will publish, or {@code -1} when unknown (the response is then sent in chunks). A publisher
     * that publishes another number of bytes than its length ends the exchange with a closed connection.
     */
    static Body of(Flow.Publisher<ByteBuffer> chunks, long length) {
        Objects.requireNonNull(chunks, "chunks");
        if (length < -1) {
            throw new IllegalArgumentException("length: " + length + " (expected: >= -1)");
        }
        return new PublishedBody(chunks, length);
    }
}
