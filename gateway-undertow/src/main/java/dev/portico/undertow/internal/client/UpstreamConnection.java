package dev.portico.undertow.internal.client;

import dev.portico.core.upstream.Endpoint;
import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import org.xnio.IoUtils;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.XnioIoThread;
import org.xnio.conduits.ConduitStreamSinkChannel;
import org.xnio.conduits.ConduitStreamSourceChannel;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One HTTP/1.1 connection to an upstream endpoint, used only on the IO thread that opened it, with the bytes read
 * from it and not yet consumed; it is reused only after an exchange that was complete on both sides.
 */
final class UpstreamConnection {

    final Endpoint endpoint;
    final ConduitStreamSourceChannel source;
    final ConduitStreamSinkChannel sink;
    private final StreamConnection socket;
    private final ConnectionPool pool;
    private PooledByteBuffer pooled;
    private ByteBuffer buffer;
    /** Whether the current exchange leaves the connection fit for another request. */
    boolean reusable;
    /** When the connection went back to the pool, in {@link System#nanoTime()}. */
    long idleSince;

    UpstreamConnection(ConnectionPool pool, Endpoint endpoint, StreamConnection socket) {
        this.pool = pool;
        this.endpoint = endpoint;
        this.socket = socket;
        this.source = socket.getSourceChannel();
        this.sink = socket.getSinkChannel();
    }

    XnioIoThread thread() {
        return socket.getIoThread();
    }

    /** Returns the pool of buffers this connection reads into, for whoever writes to it. */
    ByteBufferPool buffers() {
        return pool.buffers();
    }

    boolean isOpen() {
        return socket.isOpen();
    }

    /** Returns the unread bytes (between position and limit), or {@code null} when there are none buffered. */
    ByteBuffer buffer() {
        return buffer;
    }

    /** Returns how many read bytes are not consumed yet. */
    int buffered() {
        return buffer == null ? 0 : buffer.remaining();
    }

    /**
     * Reads more bytes after the unread ones, growing the buffer up to {@code maxCapacity} when it is full; returns
     * the number read, 0 when none are ready (or there is no room), or -1 at the end of the stream.
     */
    int fill(int maxCapacity) throws IOException {
        ByteBuffer b = buffer;
        if (b == null) {
            pooled = pool.buffers().allocate();
            b = buffer = pooled.getBuffer();
            b.clear();
        } else if (!b.hasRemaining()) {
            b.clear();
        } else if (b.position() > 0) {
            b.compact();
        } else if (b.limit() == b.capacity()) {
            if (b.capacity() >= maxCapacity) {
                return 0;
            }
            grow(Math.min(maxCapacity, 2 * b.capacity()));
            b = buffer;
        } else {
            b.position(b.limit()).limit(b.capacity());
        }
        int read;
        try {
            read = source.read(b);
        } finally {
            b.flip();
        }
        return read;
    }

    /** Moves the unread bytes to a larger heap buffer, for a response head that does not fit a pooled one. */
    private void grow(int capacity) {
        ByteBuffer larger = ByteBuffer.allocate(capacity);
        larger.put(buffer);
        releaseBuffer();
        buffer = larger;
    }

    /** Gives the buffer back once every byte in it was consumed. */
    void releaseIfEmpty() {
        if (buffer != null && !buffer.hasRemaining()) {
            releaseBuffer();
        }
    }

    /** Closes the socket from any thread, leaving the buffer to the owning thread. */
    void shutdown() {
        IoUtils.safeClose(socket);
    }

    private void releaseBuffer() {
        if (pooled != null) {
            pooled.close();
            pooled = null;
        }
        buffer = null;
    }

    /** Closes the connection; with {@code reset}, by a TCP reset, so an unfinished request is never taken as whole. */
    void close(boolean reset) {
        if (reset && socket.isOpen()) {
            try {
                socket.setOption(Options.CLOSE_ABORT, true);
            } catch (IOException | IllegalArgumentException e) {
                // closing anyway
            }
        }
        IoUtils.safeClose(socket);
        releaseBuffer();
    }
}
