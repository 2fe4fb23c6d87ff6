package dev.portico.undertow.internal.buffer;

import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Buffers come back to the thread that freed them, once each, cleared, within the pool's bounds. */
class IoBufferPoolTest {

    /** Runs {@code task} on a new thread and returns its result. */
    private static <T> T onAnotherThread(Supplier<T> task) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        Thread thread = new Thread(() -> result.set(task.get()));
        thread.start();
        thread.join();
        return result.get();
    }

    private static List<ByteBuffer> take(ByteBufferPool pool, int n) {
        List<PooledByteBuffer> pooled = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pooled.add(pool.allocate());
        }
        List<ByteBuffer> buffers = pooled.stream().map(PooledByteBuffer::getBuffer).toList();
        pooled.forEach(PooledByteBuffer::close);
        return buffers;
    }

    @Test
    void aThreadGetsBackTheBufferItFreedLast() {
        IoBufferPool pool = new IoBufferPool(true, 1024, 4, 0);
        PooledByteBuffer first = pool.allocate();
        ByteBuffer buffer = first.getBuffer();
        first.close();

        assertThat(pool.allocate().getBuffer()).isSameAs(buffer);
    }

    @Test
    void aThreadKeepsAtMostItsBound() {
        IoBufferPool pool = new IoBufferPool(false, 64, 2, 0);
        List<ByteBuffer> freed = take(pool, 3);

        List<ByteBuffer> again = take(pool, 3);

        assertThat(again).filteredOn(b -> freed.stream().anyMatch(f -> f == b)).hasSize(2);
    }

    @Test
    void aBufferFreedOnAnotherThreadIsReusedThroughTheSharedQueue() throws Exception {
        IoBufferPool pool = new IoBufferPool(true, 1024, 4, 4);
        PooledByteBuffer pooled = pool.allocate();
        ByteBuffer buffer = pooled.getBuffer();
        onAnotherThread(() -> {
            pooled.close();
            return null;
        });

        assertThat(onAnotherThread(() -> pool.allocate().getBuffer())).isSameAs(buffer);
    }

    @Test
    void theSharedQueueKeepsAtMostItsBound() throws Exception {
        IoBufferPool pool = new IoBufferPool(false, 64, 0, 1);
        List<ByteBuffer> freed = take(pool, 3);

        List<ByteBuffer> again = onAnotherThread(() -> take(pool, 3));

        assertThat(again).filteredOn(b -> freed.stream().anyMatch(f -> f == b)).hasSize(1);
    }

    @Test
    void closingTwiceGivesTheBufferBackOnce() {
        IoBufferPool pool = new IoBufferPool(true, 1024, 4, 4);
        PooledByteBuffer pooled = pool.allocate();
        ByteBuffer buffer = pooled.getBuffer();
        pooled.close();
        pooled.close();

        ByteBuffer first = pool.allocate().getBuffer();
        ByteBuffer second = pool.allocate().getBuffer();

        assertThat(first).isSameAs(buffer);
        assertThat(second).isNotSameAs(first);
    }

    @Test
    void closingFromTwoThreadsAtOnceGivesTheBufferBackOnce() {
        IoBufferPool pool = new IoBufferPool(false, 64, 0, 64);
        for (int i = 0; i < 1000; i++) {
            PooledByteBuffer pooled = pool.allocate();
            CompletableFuture<Void> one = CompletableFuture.runAsync(pooled::close);
            CompletableFuture<Void> other = CompletableFuture.runAsync(pooled::close);
            CompletableFuture.allOf(one, other).join();

            assertThat(pool.allocate().getBuffer()).isNotSameAs(pool.allocate().getBuffer());
        }
    }

    @Test
    void aClosedBufferIsNoLongerUsable() {
        PooledByteBuffer pooled = new IoBufferPool(true, 1024, 4, 4).allocate();
        assertThat(pooled.isOpen()).isTrue();

        pooled.close();

        assertThat(pooled.isOpen()).isFalse();
        assertThatThrownBy(pooled::getBuffer).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void handsOutClearedBuffersOfTheSizeAndKindAsked() {
        IoBufferPool pool = new IoBufferPool(true, 1024, 4, 4);
        PooledByteBuffer used = pool.allocate();
        used.getBuffer().put(new byte[100]).flip().position(10);
        used.close();

        ByteBuffer buffer = pool.allocate().getBuffer();

        assertThat(buffer.position()).isZero();
        assertThat(buffer.limit()).isEqualTo(1024);
        assertThat(buffer.capacity()).isEqualTo(1024);
        assertThat(buffer.isDirect()).isTrue();
        assertThat(pool.isDirect()).isTrue();
        assertThat(pool.getBufferSize()).isEqualTo(1024);
    }

    @Test
    void theArrayBackedPoolIsOnTheHeapWithTheSameSize() {
        IoBufferPool pool = new IoBufferPool(true, 1024, 4, 4);
        ByteBufferPool heap = pool.getArrayBackedPool();

        assertThat(heap.isDirect()).isFalse();
        assertThat(heap.getBufferSize()).isEqualTo(1024);
        assertThat(heap.allocate().getBuffer().hasArray()).isTrue();
        assertThat(heap.getArrayBackedPool()).isSameAs(heap);
    }

    @Test
    void aClosedPoolStillAllocatesButKeepsNothing() {
        IoBufferPool pool = new IoBufferPool(true, 1024, 4, 4);
        PooledByteBuffer cached = pool.allocate();
        ByteBuffer kept = cached.getBuffer();
        cached.close();
        pool.close();

        PooledByteBuffer first = pool.allocate();
        ByteBuffer afterClose = first.getBuffer();
        first.close();
        ByteBuffer next = pool.allocate().getBuffer();

        assertThat(afterClose).isNotSameAs(kept);
        assertThat(next).isNotSameAs(kept).isNotSameAs(afterClose);
        assertThat(next.capacity()).isEqualTo(1024);
    }
}
