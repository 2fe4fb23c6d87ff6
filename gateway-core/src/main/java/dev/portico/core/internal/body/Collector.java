package dev.portico.core.internal.body;

import dev.portico.core.GatewayException;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * Reads a body's chunks into one array up to a bound, failing with 413 once they pass it; cancelling it abandons the
 * body and cancels the result.
 */
public final class Collector implements Flow.Subscriber<ByteBuffer> {

    private final long maxBytes;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final ByteArrayOutputStream out;
    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;

    /** Returns a collector of at most {@code maxBytes}, sized for {@code length} bytes when that is known (not -1). */
    public Collector(long maxBytes, long length) {
        this.maxBytes = maxBytes;
        this.out = new ByteArrayOutputStream(length > 0 ? (int) Math.min(Math.min(length, maxBytes), 1 << 20) : 512);
    }

    /** Returns the bytes once the body ended, or the failure. */
    public CompletableFuture<byte[]> result() {
        return result;
    }

    /** Stops reading: the body is abandoned and the result cancelled. */
    public void cancel() {
        cancelled = true;
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
        result.cancel(false);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (cancelled) {
            s.cancel();
        } else {
            s.request(Long.MAX_VALUE);
        }
    }

    @Override
    public void onNext(ByteBuffer chunk) {
        if (result.isDone()) {
            return;
        }
        if (out.size() + (long) chunk.remaining() > maxBytes) {
            subscription.cancel();
            result.completeExceptionally(GatewayException.payloadTooLarge(maxBytes));
            return;
        }
        if (chunk.hasArray()) {
            out.write(chunk.array(), chunk.arrayOffset() + chunk.position(), chunk.remaining());
            chunk.position(chunk.limit());
        } else {
            byte[] bytes = new byte[chunk.remaining()];
            chunk.get(bytes);
            out.write(bytes, 0, bytes.length);
        }
    }

    @Override
    public void onError(Throwable failure) {
        result.completeExceptionally(failure);
    }

    @Override
    public void onComplete() {
        result.complete(out.toByteArray());
    }
}
