package dev.portico.undertow;

import dev.portico.core.Body;
import dev.portico.core.GatewayException;
import io.undertow.client.ClientExchange;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Transfer;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * An upstream response body, read from the upstream connection at most once: streamed to the client with
 * backpressure, or buffered with a bound. Its connection goes back to the pool once the body is read to the end,
 * and is closed if the body is abandoned half-read.
 */
final class UpstreamBody implements Body {

    private enum State { UNREAD, READING, DONE, ABANDONED }

    private final UpstreamCall call;
    private final ClientExchange exchange;
    private final long length;
    private State state = State.UNREAD;

    UpstreamBody(UpstreamCall call, ClientExchange exchange, long length) {
        this.call = call;
        this.exchange = exchange;
        this.length = length;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public boolean isBuffered() {
        return false;
    }

    private boolean begin() {
        synchronized (this) {
            if (state != State.UNREAD) {
                return false;
            }
            state = State.READING;
            return true;
        }
    }

    private void finish() {
        synchronized (this) {
            if (state != State.READING) {
                return;
            }
            state = State.DONE;
        }
        IoUtils.safeClose(exchange.getResponseChannel());
        call.release();
    }

    /** Closes the connection unless the body was read to the end; called when the client exchange ends. */
    void abandon() {
        synchronized (this) {
            if (state == State.DONE || state == State.ABANDONED) {
                return;
            }
            state = State.ABANDONED;
        }
        call.discard();
    }

    @Override
    public CompletionStage<byte[]> bytes(long maxBytes) {
        if (!begin()) {
            return CompletableFuture.failedFuture(new IllegalStateException("the upstream body was already read"));
        }
        if (length > maxBytes) {
            abandon();
            return CompletableFuture.failedFuture(tooLarge(maxBytes));
        }
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        call.onIoThread(() -> new Reader(result, maxBytes).start());
        return result;
    }

    private GatewayException tooLarge(long maxBytes) {
        return GatewayException.badGateway("upstream " + call.upstreamName() + " response exceeds " + maxBytes + " bytes");
    }

    /** Streams the body to the client's response, which it ends; call on the exchange's IO thread. */
    void transferTo(HttpServerExchange server) {
        if (!begin()) {
            server.endExchange();
            return;
        }
        StreamSourceChannel source = exchange.getResponseChannel();
        StreamSinkChannel sink = server.getResponseChannel();
        Transfer.initiateTransfer(source, sink, null, channel -> {
            finish();
            endResponse(server, channel);
        }, (channel, e) -> failed(server), (channel, e) -> failed(server), server.getConnection().getByteBufferPool());
    }

    /** Reads a body that must be empty (HEAD, 204, 304) to its end, so the connection can be reused. */
    void drain() {
        if (!begin()) {
            return;
        }
        StreamSourceChannel source = exchange.getResponseChannel();
        try (PooledByteBuffer pooled = exchange.getConnection().getBufferPool().allocate()) {
            ByteBuffer buffer = pooled.getBuffer();
            long read;
            while ((read = source.read(buffer)) > 0) {
                buffer.clear(); // an upstream that sends a body here is wrong; discard it
            }
            if (read == -1) {
                finish();
                return;
            }
        } catch (IOException e) {
            // fall through: the connection cannot be trusted
        }
        synchronized (this) {
            state = State.UNREAD;
        }
        abandon();
    }

    private void failed(HttpServerExchange server) {
        abandon();
        IoUtils.safeClose(server.getConnection());
    }

    private static void endResponse(HttpServerExchange server, StreamSinkChannel sink) {
        try {
            sink.shutdownWrites();
            if (!sink.flush()) {
                sink.getWriteSetter().set(ChannelListeners.flushingChannelListener(
                        channel -> channel.getWriteSetter().set(null), ChannelListeners.closingChannelExceptionHandler()));
                sink.resumeWrites();
            } else {
                sink.getWriteSetter().set(null);
            }
        } catch (IOException e) {
            IoUtils.safeClose(server.getConnection());
        }
    }

    /** Reads the whole body into memory, failing once it exceeds the bound. */
    private final class Reader implements ChannelListener<StreamSourceChannel> {
        private final CompletableFuture<byte[]> result;
        private final long maxBytes;
        private final ByteArrayOutputStream out;
        private byte[] chunk;

        Reader(CompletableFuture<byte[]> result, long maxBytes) {
            this.result = result;
            this.maxBytes = maxBytes;
            this.out = new ByteArrayOutputStream(length > 0 ? (int) length : 512);
        }

        void start() {
            StreamSourceChannel channel = exchange.getResponseChannel();
            channel.getReadSetter().set(this);
            handleEvent(channel);
        }

        @Override
        public void handleEvent(StreamSourceChannel channel) {
            try (PooledByteBuffer pooled = exchange.getConnection().getBufferPool().allocate()) {
                ByteBuffer buffer = pooled.getBuffer();
                while (true) {
                    buffer.clear();
                    int read = channel.read(buffer);
                    if (read == 0) {
                        channel.resumeReads();
                        return;
                    }
                    if (read == -1) {
                        channel.suspendReads();
                        channel.getReadSetter().set(null);
                        finish();
                        result.complete(out.toByteArray());
                        return;
                    }
                    if (out.size() + read > maxBytes) {
                        channel.suspendReads();
                        abandon();
                        result.completeExceptionally(tooLarge(maxBytes));
                        return;
                    }
                    buffer.flip();
                    if (chunk == null) {
                        chunk = new byte[buffer.capacity()];
                    }
                    buffer.get(chunk, 0, read);
                    out.write(chunk, 0, read);
                }
            } catch (IOException e) {
                abandon();
                result.completeExceptionally(GatewayException.badGateway(
                        "upstream " + call.upstreamName() + " broke off its response"));
            }
        }
    }
}
