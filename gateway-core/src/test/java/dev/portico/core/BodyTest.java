package dev.portico.core;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The body model in memory: buffered and published bodies, bounds, replay, map and discard. */
class BodyTest {

    private static <T> T get(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static ByteBuffer ascii(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** A publisher of these chunks, each sent only when asked for, that records a cancel. */
    private static final class Chunks implements Flow.Publisher<ByteBuffer> {
        private final String[] parts;
        final AtomicBoolean cancelled = new AtomicBoolean();

        Chunks(String... parts) {
            this.parts = parts;
        }

        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
            subscriber.onSubscribe(new Flow.Subscription() {
                private int next;

                @Override
                public void request(long n) {
                    for (long i = 0; i < n && next < parts.length && !cancelled.get(); i++) {
                        subscriber.onNext(ascii(parts[next++]));
                    }
                    if (next == parts.length && !cancelled.get()) {
                        next++;
                        subscriber.onComplete();
                    }
                }

                @Override
                public void cancel() {
                    cancelled.set(true);
                }
            });
        }
    }

    @Test
    void aBufferedBodyReadsAsTextAnyNumberOfTimes() throws Exception {
        Body body = Body.of("héllo");

        assertThat(get(body.text(100))).isEqualTo("héllo");
        assertThat(get(body.text(100))).isEqualTo("héllo");
        assertThat(get(body.buffer(100))).isSameAs(body);
    }

    @Test
    void aPublishedBodyIsReadOnceAndBuffersIntoAReplayableBody() throws Exception {
        Body body = Body.of(new Chunks("ab", "cd", "ef"), 6);

        Body buffered = get(body.buffer(6));

        assertThat(buffered.isBuffered()).isTrue();
        assertThat(get(buffered.text(6))).isEqualTo("abcdef");
        assertThat(get(buffered.text(6))).isEqualTo("abcdef");
        assertThatThrownBy(() -> get(body.bytes(6))).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(IllegalStateException.class);
    }

    @Test
    void readingAPublishedBodyOverItsBoundFailsWith413AndCancelsThePublisher() {
        Chunks chunks = new Chunks("abc", "def", "ghi");
        Body body = Body.of(chunks, -1);

        assertThatThrownBy(() -> get(body.text(5))).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(413));
        assertThat(chunks.cancelled).isTrue();
    }

    @Test
    void aBodyOfAKnownLengthOverTheBoundFailsBeforeItIsRead() {
        Chunks chunks = new Chunks("abcdef");

        assertThatThrownBy(() -> get(Body.of(chunks, 6).bytes(5))).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(413));
        assertThat(chunks.cancelled).isTrue();
    }

    @Test
    void mapTransformsEachChunkInOrderAndDropsEmptyOnes() throws Exception {
        Body body = Body.of(new Chunks("ab", "skip", "cd"), 8).map(chunk -> {
            String text = StandardCharsets.US_ASCII.decode(chunk).toString();
            return text.equals("skip") ? ByteBuffer.allocate(0) : ascii(text.toUpperCase());
        });

        assertThat(body.length()).isEqualTo(-1);
        assertThat(get(body.text(100))).isEqualTo("ABCD");
    }

    @Test
    void aMapThatThrowsFailsTheBodyAndCancelsItsSource() {
        Chunks chunks = new Chunks("ab", "cd");
        Body body = Body.of(chunks, -1).map(chunk -> {
            throw new IllegalArgumentException("bad chunk");
        });

        assertThatThrownBy(() -> get(body.bytes(100))).isInstanceOf(ExecutionException.class)
                .cause().hasMessage("bad chunk");
        assertThat(chunks.cancelled).isTrue();
    }

    @Test
    void discardCancelsAPublisherAndDiscardingAMappedBodyDiscardsItsSource() throws Exception {
        Chunks chunks = new Chunks("ab");

        get(Body.of(chunks, 2).map(chunk -> chunk).discard());

        assertThat(chunks.cancelled).isTrue();
    }

    @Test
    void aBufferedBodyPublishesOneReadOnlyChunkOnDemand() {
        List<Object> signals = new ArrayList<>();
        Flow.Subscription[] held = new Flow.Subscription[1];
        Body.of("hey").subscribe(new Flow.Subscriber<ByteBuffer>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                held[0] = s;
            }

            @Override
            public void onNext(ByteBuffer chunk) {
                signals.add(chunk.isReadOnly() ? StandardCharsets.US_ASCII.decode(chunk).toString() : "writable!");
            }

            @Override
            public void onError(Throwable failure) {
                signals.add(failure);
            }

            @Override
            public void onComplete() {
                signals.add("complete");
            }
        });

        assertThat(signals).isEmpty();
        held[0].request(1);
        assertThat(signals).containsExactly("hey", "complete");
    }

    @Test
    void aSubmissionPublisherIsABody() throws Exception {
        try (SubmissionPublisher<ByteBuffer> publisher = new SubmissionPublisher<>()) {
            Body body = Body.of(publisher, -1);
            CompletionStage<String> text = body.text(100);
            publisher.submit(ascii("one "));
            publisher.submit(ascii("two"));
            publisher.close();

            assertThat(get(text)).isEqualTo("one two");
        }
    }

    @Test
    void aLengthBelowMinusOneIsRefused() {
        assertThatThrownBy(() -> Body.of(new Chunks(), -2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("length: -2 (expected: >= -1)");
    }
}
