package dev.portico.undertow.internal.buffer;

import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pool of cleared buffers of one size that keeps a buffer freed on the thread that took it in that thread's
 * own cache ({@link PerIoThread}), without a lock, any other in a shared lock-free queue, and leaves the rest, past
 * either bound, to the garbage collector.
 */
public final class IoBufferPool implements ByteBufferPool {

    private final boolean direct;
    private final int bufferSize;
    private final int shared;
    private final PerIoThread<Cache> caches;
    private final ConcurrentLinkedQueue<ByteBuffer> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final IoBufferPool heap;
    private volatile boolean closed;

    /**
     * A pool of {@code bufferSize}-byte buffers, direct or on the heap, that keeps up to {@code perThread} freed ones
     * for each thread and {@code shared} more for any thread.
     */
    public IoBufferPool(boolean direct, int bufferSize, int perThread, int shared) {
        if (bufferSize < 1) {
            throw new IllegalArgumentException("bufferSize: " + bufferSize + " (expected: > 0)");
        }
        if (perThread < 0) {
            throw new IllegalArgumentException("perThread: " + perThread + " (expected: >= 0)");
        }
        if (shared < 0) {
            throw new IllegalArgumentException("shared: " + shared + " (expected: >= 0)");
        }
        this.direct = direct;
        this.bufferSize = bufferSize;
        this.shared = shared;
        this.caches = new PerIoThread<>(() -> new Cache(perThread));
        this.heap = direct ? new IoBufferPool(false, bufferSize, perThread, shared) : this;
    }

    @Override
    public PooledByteBuffer allocate() {
        if (closed) {
            return new Pooled(this, null, newBuffer());
        }
        Cache cache = caches.get();
        ByteBuffer buffer = cache.pop();
        if (buffer == null) {
            buffer = queue.poll();
            if (buffer == null) {
                buffer = newBuffer();
            } else {
                queued.decrementAndGet();
            }
        }
        buffer.clear();
        return new Pooled(this, cache, buffer);
    }

    private ByteBuffer newBuffer() {
        return direct ? ByteBuffer.allocateDirect(bufferSize) : ByteBuffer.allocate(bufferSize);
    }

    /** Keeps a buffer in the cache it came from when freed on that cache's thread, else in the shared queue. */
    private void free(ByteBuffer buffer, Cache cache) {
        if (closed || cache != null && cache.thread == Thread.currentThread() && cache.push(buffer)) {
            return;
        }
        if (queued.incrementAndGet() > shared) {
            queued.decrementAndGet();
            return;
        }
        queue.offer(buffer);
    }

    /** Returns the heap pool of the same size and bounds: this one when it is on the heap. */
    @Override
    public ByteBufferPool getArrayBackedPool() {
        return heap;
    }

    /**
     * Drops the shared buffers and stops keeping freed ones, while still allocating (for an IO thread finishing its
     * last event); the threads' caches go with the pool.
     */
    @Override
    public void close() {
        closed = true;
        while (queue.poll() != null) {
            queued.decrementAndGet();
        }
        if (heap != this) {
            heap.close();
        }
    }

    @Override
    public int getBufferSize() {
        return bufferSize;
    }

    @Override
    public boolean isDirect() {
        return direct;
    }

    /** The free buffers of one thread, last freed first, touched only by that thread. */
    private static final class Cache {
        final Thread thread = Thread.currentThread();
        final ByteBuffer[] free;
        int size;

        Cache(int capacity) {
            this.free = new ByteBuffer[capacity];
        }

        ByteBuffer pop() {
            if (size == 0) {
                return null;
            }
            ByteBuffer buffer = free[--size];
            free[size] = null;
            return buffer;
        }

        boolean push(ByteBuffer buffer) {
            if (size == free.length) {
                return false;
            }
            free[size++] = buffer;
            return true;
        }
    }

    /** One buffer handed out, given back at most once however often it is closed, from whichever thread. */
    private static final class Pooled implements PooledByteBuffer {
        private static final VarHandle BUFFER;

        static {
            try {
                BUFFER = MethodHandles.lookup().findVarHandle(Pooled.class, "buffer", ByteBuffer.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final IoBufferPool pool;
        private final Cache cache;
        private volatile ByteBuffer buffer;

        Pooled(IoBufferPool pool, Cache cache, ByteBuffer buffer) {
            this.pool = pool;
            this.cache = cache;
            this.buffer = buffer;
        }

        @Override
        public ByteBuffer getBuffer() {
            ByteBuffer b = buffer;
            if (b == null) {
                throw new IllegalStateException("buffer already freed");
            }
            return b;
        }

        @Override
        public void close() {
            ByteBuffer b = (ByteBuffer) BUFFER.getAndSet(this, null);
            if (b != null) {
                pool.free(b, cache);
            }
        }

        @Override
        public boolean isOpen() {
            return buffer != null;
        }
    }
}
