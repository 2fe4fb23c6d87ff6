package dev.portico.core.internal.body;

import dev.portico.core.Body;
import dev.portico.core.GatewayException;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/** A body held in memory: read, subscribed to and sent any number of times. */
public final class BufferedBody implements Body {

    public static final BufferedBody EMPTY = new BufferedBody(new byte[0]);

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final byte[] bytes;

    public BufferedBody(byte[] bytes) {
        this.bytes = bytes;
    }

    @Override
    public long length() {
        return bytes.length;
    }

    @Override
    public boolean isBuffered() {
        return true;
    }

    @Override
    public CompletionStage<byte[]> bytes(long maxBytes) {
        if (bytes.length > maxBytes) {
            return CompletableFuture.failedFuture(GatewayException.payloadTooLarge(maxBytes));
        }
        return CompletableFuture.completedFuture(bytes);
    }

    @Override
    public CompletionStage<Body> buffer(long maxBytes) {
        if (bytes.length > maxBytes) {
            return CompletableFuture.failedFuture(GatewayException.payloadTooLarge(maxBytes));
        }
        return CompletableFuture.completedFuture(this);
    }

    @Override
    public CompletionStage<Void> discard() {
        return DONE;
    }

    /** Publishes the bytes as one read-only chunk, when it is requested. */
    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        if (bytes.length == 0) {
            subscriber.onSubscribe(Bodies.NONE);
            subscriber.onComplete();
            return;
        }
        subscriber.onSubscribe(new Flow.Subscription() {
            private boolean done;

            @Override
            public void request(long n) {
                synchronized (this) {
                    if (done) {
                        return;
                    }
                    done = true;
                }
                if (n <= 0) {
                    subscriber.onError(new IllegalArgumentException("n: " + n + " (expected: > 0)"));
                    return;
                }
                subscriber.onNext(ByteBuffer.wrap(bytes).asReadOnlyBuffer());
                subscriber.onComplete();
            }

            @Override
            public synchronized void cancel() {
                done = true;
            }
        });
    }

    /** Returns the bytes without a copy; callers must not change them. */
    public byte[] array() {
        return bytes;
    }

    @Override
    public String toString() {
        return "Body{" + bytes.length + " bytes}";
    }
}
