package dev.portico.core.internal.body;

import dev.portico.core.Body;

import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;

/** A body streamed once from a user's publisher. */
public final class PublishedBody implements Body {

    private final Flow.Publisher<ByteBuffer> chunks;
    private final long length;
    private final AtomicBoolean subscribed = new AtomicBoolean();

    public PublishedBody(Flow.Publisher<ByteBuffer> chunks, long length) {
        this.chunks = chunks;
        this.length = length;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        if (!subscribed.compareAndSet(false, true)) {
            Bodies.refuse(subscriber, "the body was already read; buffer it to send it again");
            return;
        }
        chunks.subscribe(subscriber);
    }

    @Override
    public String toString() {
        return "Body{published, " + (length < 0 ? "length unknown" : length + " bytes") + '}';
    }
}
