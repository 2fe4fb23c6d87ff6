package dev.portico.core.internal.body;

import dev.portico.core.Body;
import dev.portico.core.GatewayException;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/** The default readings of a {@link Body}, in terms of its chunks. */
public final class Bodies {

    /** A subscription that does nothing, for a subscriber that is refused or told of the end at once. */
    public static final Flow.Subscription NONE = new Flow.Subscription() {
        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
        }
    };

    private Bodies() {
    }

    /** Refuses a second subscriber of a body that can be read once. */
    public static void refuse(Flow.Subscriber<?> subscriber, String message) {
        subscriber.onSubscribe(NONE);
        subscriber.onError(new IllegalStateException(message));
    }

    /** Reads all the chunks of a body into one array, failing with 413 once they pass {@code maxBytes}. */
    public static CompletionStage<byte[]> collect(Body body, long maxBytes) {
        if (body.length() > maxBytes) {
            body.discard();
            return CompletableFuture.failedFuture(GatewayException.payloadTooLarge(maxBytes));
        }
        Collector collector = new Collector(maxBytes, body.length());
        body.subscribe(collector);
        return collector.result();
    }

    /** Discards a body by subscribing and cancelling at once; completes when that is done, never exceptionally. */
    public static CompletionStage<Void> discard(Body body) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            body.subscribe(new Flow.Subscriber<ByteBuffer>() {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                    s.cancel();
                    done.complete(null);
                }

                @Override
                public void onNext(ByteBuffer chunk) {
                }

                @Override
                public void onError(Throwable failure) {
                    done.complete(null);
                }

                @Override
                public void onComplete() {
                    done.complete(null);
                }
            });
        } catch (RuntimeException e) {
            done.complete(null);
        }
        return done;
    }
}
