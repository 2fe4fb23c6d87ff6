package dev.portico.undertow.internal.websocket;

import dev.portico.core.WebSocket;
import dev.portico.undertow.internal.client.Upgraded;
import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.XnioExecutor;
import org.xnio.XnioIoThread;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One WebSocket connection between a client and an upstream that both switched protocols, relayed on their common IO
 * thread: bytes pass each way as they come, with backpressure and at most one pooled buffer a direction (none while
 * idle), and each frame header is read on the way. A frame or message over the limits closes both sides with 1009, a
 * connection silent both ways for the idle timeout with 1001, as does {@link #goingAway}; the peers' own close frames
 * pass through untouched, and once each side has closed its end the relay closes the sockets.
 */
public final class WebSocketRelay {

    private static final System.Logger LOG = System.getLogger(WebSocketRelay.class.getName());

    /** How long a relay that sent its close frames waits for the peers to close before it closes the sockets. */
    private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final StreamConnection client;
    private final Upgraded upstream;
    private final XnioIoThread thread;
    private final ByteBufferPool buffers;
    private final WebSocket limits;
    private final Consumer<WebSocketRelay> ended;
    private final Pump toUpstream;
    private final Pump toClient;
    private final long idleNanos;
    private long lastActive;
    private XnioExecutor.Key timer;
    private boolean closing;
    private boolean closed;

    /**
     * A relay between the client's switched connection and the upstream's, within {@code limits}; {@code ended} runs
     * once, on the IO thread, when both sockets are closed.
     */
    public WebSocketRelay(StreamConnection client, Upgraded upstream, WebSocket limits, ByteBufferPool buffers,
                          Consumer<WebSocketRelay> ended) {
        this.client = client;
        this.upstream = upstream;
        this.thread = upstream.thread();
        this.buffers = buffers;
        this.limits = limits;
        this.ended = ended;
        this.idleNanos = limits.idleTimeout().toNanos();
        this.toUpstream = new Pump(client.getSourceChannel(), upstream.sink(), true);
        this.toClient = new Pump(upstream.source(), client.getSinkChannel(), false);
    }

    /** Starts relaying; call on the IO thread of both connections. */
    public void start() {
        if (!upstream.take()) {
            IoUtils.safeClose(client);
            closeAll(false);
            return;
        }
        ByteBuffer early = upstream.buffered(); // frames the upstream sent right behind its 101
        if (early != null) {
            toClient.buffer = ByteBuffer.allocate(early.remaining()).put(early).flip();
        }
        upstream.released(); // the read buffer of the head goes back to the pool: an idle relay holds none
        client.getSourceChannel().getReadSetter().set(channel -> guarded(toUpstream));
        upstream.sink().getWriteSetter().set(channel -> guarded(toUpstream));
        upstream.source().getReadSetter().set(channel -> guarded(toClient));
        client.getSinkChannel().getWriteSetter().set(channel -> guarded(toClient));
        lastActive = System.nanoTime();
        schedule(idleNanos, this::checkIdle);
        guarded(toUpstream);
        guarded(toClient);
    }

    /**
     * Closes both sides with this close code (1001 when the gateway shuts down) from any thread; the stage completes
     * once the close frames are written, as far as the sockets took them.
     */
    public CompletableFuture<Void> goingAway(int code, String reason) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                try {
                    close(code, reason);
                } finally {
                    done.complete(null);
                }
            });
        } catch (RejectedExecutionException stopping) {
            done.complete(null);
        }
        return done;
    }

    private void guarded(Pump pump) {
        if (closed) {
            return;
        }
        try {
            pump.run();
        } catch (IOException e) {
            closeAll(false); // a peer reset or a socket failed: nothing more can be said to either side
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "the WebSocket relay failed", e);
            closeAll(false);
        }
    }

    private void checkIdle() {
        if (closed || closing) {
            return;
        }
        long silent = System.nanoTime() - lastActive;
        if (silent >= idleNanos) {
            close(1001, "idle timeout");
        } else {
            schedule(idleNanos - silent, this::checkIdle);
        }
    }

    private void schedule(long nanos, Runnable task) {
        if (timer != null) {
            timer.remove();
        }
        timer = thread.executeAfter(task, Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos)), TimeUnit.MILLISECONDS);
    }

    /**
     * Sends both sides a close frame where a frame may start (else only the end of the stream), then reads and drops
     * what they still send until they close, for up to the linger time.
     */
    private void close(int code, String reason) {
        if (closed || closing) {
            return;
        }
        closing = true;
        schedule(Math.min(LINGER_NANOS, idleNanos), () -> closeAll(false));
        try {
            toClient.closeWith(code, reason);
            toUpstream.closeWith(code, reason);
        } catch (IOException e) {
            closeAll(false);
        }
    }

    /** One side's stream has ended: its end goes on to the other side; once both have, the relay is over. */
    private void streamEnded(Pump pump) throws IOException {
        if (!closing) {
            pump.out.shutdownWrites();
            if (!pump.out.flush()) {
                pump.out.resumeWrites();
            }
        }
        if (toUpstream.inEnded && toClient.inEnded) {
            closeAll(toUpstream.closeSeen && toClient.closeSeen);
        }
    }

    private void closeAll(boolean clean) {
        if (closed) {
            return;
        }
        closed = true;
        if (timer != null) {
            timer.remove();
            timer = null;
        }
        toUpstream.release();
        toClient.release();
        IoUtils.safeClose(client);
        upstream.close(clean);
        ended.accept(this);
    }

    /** One direction: reads from one side, writes to the other, and reads the frame headers on the way. */
    private final class Pump {
        final StreamSourceChannel in;
        final StreamSinkChannel out;
        /** Whether frames injected into {@code out} must be masked: it goes to the upstream. */
        final boolean masked;
        final byte[] header = new byte[Frames.MAX_HEADER];
        final ByteBuffer headerOut = ByteBuffer.wrap(header).limit(0);
        int headerRead;
        long payloadLeft;
        long messageSize;
        PooledByteBuffer pooled;
        ByteBuffer buffer;
        boolean inEnded;
        boolean closeSeen;
        boolean dropping;

        Pump(StreamSourceChannel in, StreamSinkChannel out, boolean masked) {
            this.in = in;
            this.out = out;
            this.masked = masked;
        }

        /** Moves what it can; returns when {@code in} has nothing more now or {@code out} takes nothing more. */
        void run() throws IOException {
            if (dropping) {
                drop();
                return;
            }
            while (true) {
                if (headerOut.hasRemaining()) {
                    out.write(headerOut);
                    if (headerOut.hasRemaining()) {
                        awaitWritable();
                        return;
                    }
                }
                ByteBuffer b = buffer;
                if (b != null && b.hasRemaining()) {
                    if (payloadLeft > 0) {
                        int n = (int) Math.min(payloadLeft, b.remaining());
                        int limit = b.limit();
                        b.limit(b.position() + n);
                        int written;
                        try {
                            written = out.write(b);
                        } finally {
                            b.limit(limit);
                        }
                        payloadLeft -= written;
                        if (written < n) {
                            awaitWritable();
                            return;
                        }
                    } else if (!readHeader(b)) {
                        return;
                    }
                    continue;
                }
                release();
                if (inEnded) { // only the end of the stream, passed on, may be left to flush
                    if (out.flush()) {
                        out.suspendWrites();
                    }
                    return;
                }
                if (!out.flush()) {
                    awaitWritable();
                    return;
                }
                int read = fill();
                if (read > 0) {
                    lastActive = System.nanoTime();
                    continue;
                }
                release();
                if (read == 0) {
                    out.suspendWrites();
                    in.resumeReads();
                    return;
                }
                inEnded = true;
                in.suspendReads();
                streamEnded(this);
                return;
            }
        }

        private int fill() throws IOException {
            pooled = buffers.allocate();
            buffer = pooled.getBuffer();
            buffer.clear();
            try {
                return in.read(buffer);
            } finally {
                buffer.flip();
            }
        }

        private void awaitWritable() {
            in.suspendReads();
            out.resumeWrites();
        }

        /**
         * Reads header bytes; once a header is whole, checks it against the limits and queues it to be written.
         * Returns false when the frame is over a limit, and the relay is closing.
         */
        private boolean readHeader(ByteBuffer b) {
            int need = headerRead < 2 ? 2 : Frames.headerLength(header[0], header[1]);
            while (headerRead < need && b.hasRemaining()) {
                header[headerRead++] = b.get();
                if (headerRead == 2) {
                    need = Frames.headerLength(header[0], header[1]);
                }
            }
            if (headerRead < need) {
                return true; // the rest of the header comes with the next read
            }
            headerRead = 0;
            long length = Frames.payloadLength(header);
            int opcode = Frames.opcode(header);
            boolean data = opcode < Frames.CLOSE;
            if (length < 0 || length > limits.maxFrameSize()
                    || data && (opcode == Frames.CONTINUATION ? messageSize + length : length) > limits.maxMessageSize()) {
                close(1009, "message too big");
                return false;
            }
            if (data) {
                messageSize = opcode == Frames.CONTINUATION ? messageSize + length : length;
            } else if (opcode == Frames.CLOSE) {
                closeSeen = true;
            }
            payloadLeft = length;
            headerOut.clear().limit(need);
            return true;
        }

        /**
         * Sends a close frame on {@code out} if it is between frames, then ends it, and from then on drops what
         * {@code in} sends until its end.
         */
        void closeWith(int code, String reason) throws IOException {
            if (payloadLeft == 0 && !headerOut.hasRemaining() && !closeSeen) {
                out.write(Frames.close(code, reason, masked));
            }
            out.shutdownWrites();
            dropping = true;
            release();
            drop();
        }

        /** Flushes the end of {@code out}, and reads and drops what {@code in} still sends until its end. */
        private void drop() throws IOException {
            if (out.flush()) {
                out.suspendWrites();
            } else {
                out.resumeWrites();
            }
            if (inEnded) {
                return;
            }
            while (true) {
                int read = fill();
                release();
                if (read == 0) {
                    in.resumeReads();
                    return;
                }
                if (read < 0) {
                    inEnded = true;
                    in.suspendReads();
                    streamEnded(this);
                    return;
                }
            }
        }

        void release() {
            if (pooled != null) {
                pooled.close();
                pooled = null;
            }
            buffer = null;
        }
    }
}
