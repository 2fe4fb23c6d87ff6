package dev.portico.core.internal.body;

import dev.portico.core.Body;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.Function;

/** A body whose chunks are another body's, transformed one by one as they arrive. */
public final class MappedBody implements Body {

    private final Body source;
    private final Function<? super ByteBuffer, ? extends ByteBuffer> transform;

    public MappedBody(Body source, Function<? super ByteBuffer, ? extends ByteBuffer> transform) {
        this.source = source;
        this.transform = transform;
    }

    @Override
    public long length() {
        return source.length() == 0 ? 0 : -1;
    }

    @Override
    public CompletionStage<Void> discard() {
        return source.discard();
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        source.subscribe(new Flow.Subscriber<ByteBuffer>() {
            private Flow.Subscription subscription;
            private boolean failed;

            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                subscriber.onSubscribe(s);
            }

            @Override
            public void onNext(ByteBuffer chunk) {
                if (failed) {
                    return;
                }
                ByteBuffer mapped;
                try {
                    mapped = transform.apply(chunk);
                } catch (RuntimeException e) {
                    failed = true;
                    subscription.cancel();
                    subscriber.onError(e);
                    return;
                }
                if (mapped == null || !mapped.hasRemaining()) {
                    subscription.request(1); // a dropped chunk is owed to the subscriber's demand
                    return;
                }
                subscriber.onNext(mapped);
            }

            @Override
            public void onError(Throwable failure) {
                if (!failed) {
                    subscriber.onError(failure);
                }
            }

            @Override
            public void onComplete() {
                if (!failed) {
                    subscriber.onComplete();
                }
            }
        });
    }

    @Override
    public String toString() {
        return "Body{mapped from " + source + '}';
    }
}
