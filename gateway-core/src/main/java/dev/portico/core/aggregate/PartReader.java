package dev.portico.core.aggregate;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/** Reads one part's response body into memory up to a bound, and can be cancelled, which abandons the body. */
final class PartReader implements Flow.Subscriber<ByteBuffer> {

    /** The body is larger than the part's bound. */
    static final class TooLarge extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TooLarge() {
            super(null, null, false, false);
        }
    }

    private final long maxBytes;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final ByteArrayOutputStream out;
    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;

    PartReader(long maxBytes, long length) {
        this.maxBytes = maxBytes;
        this.out = new ByteArrayOutputStream(length > 0 ? (int) Math.min(length, maxBytes) : 512);
    }

    CompletableFuture<byte[]> result() {
        return result;
    }

    /** Stops reading: the body is abandoned and the result cancelled. */
    void cancel() {
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
            result.completeExceptionally(new TooLarge());
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
