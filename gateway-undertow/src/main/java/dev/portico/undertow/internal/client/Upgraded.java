package dev.portico.undertow.internal.client;

import dev.portico.core.Body;
import dev.portico.core.WebSocket;
import dev.portico.core.upstream.CallOutcome.Kind;
import org.xnio.XnioIoThread;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.Consumer;

/**
 * The "body" of an upstream's {@code 101 Switching Protocols}: its connection, which the adapter takes over once the
 * client's side has switched too, and closes when the relay ends; discarded, it closes the connection.
 */
public final class Upgraded implements Body {

    private final UpstreamConnection connection;
    private final WebSocket webSocket;
    private final Consumer<Kind> outcome;
    private boolean taken;
    private boolean closed;

    /** The switched connection, bounded by {@code webSocket}; {@code outcome} tells the call's listeners its end. */
    Upgraded(UpstreamConnection connection, WebSocket webSocket, Consumer<Kind> outcome) {
        this.connection = connection;
        this.webSocket = webSocket;
        this.outcome = outcome;
    }

    @Override
    public long length() {
        return 0;
    }

    /** A switched connection is no body to read: a subscriber gets an error. */
    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
            }

            @Override
            public void cancel() {
            }
        });
        subscriber.onError(new IllegalStateException("an upgraded connection has no body"));
    }

    /** Closes the connection, unless the relay has taken it over. */
    @Override
    public CompletionStage<Void> discard() {
        Runnable close = () -> {
            if (!taken) {
                close(false);
            }
        };
        if (Thread.currentThread() == connection.thread()) {
            close.run();
        } else {
            connection.thread().execute(close);
        }
        return CompletableFuture.completedFuture(null);
    }

    /** Takes the connection over for a relay; returns false when it is closed already. Call on {@link #thread()}. */
    public boolean take() {
        if (closed || taken) {
            return false;
        }
        taken = true;
        return true;
    }

    /** Returns how the route bounds the WebSocket. */
    public WebSocket webSocket() {
        return webSocket;
    }

    /** Returns the IO thread the connection belongs to. */
    public XnioIoThread thread() {
        return connection.thread();
    }

    /** Returns what the upstream sends. */
    public StreamSourceChannel source() {
        return connection.source;
    }

    /** Returns where the upstream reads. */
    public StreamSinkChannel sink() {
        return connection.sink;
    }

    /** Returns the bytes the upstream sent after its head and that were read with it, or {@code null}. */
    public ByteBuffer buffered() {
        ByteBuffer buffer = connection.buffer();
        return buffer == null || !buffer.hasRemaining() ? null : buffer;
    }

    /** Gives the read buffer back once {@link #buffered()} is consumed. */
    public void released() {
        connection.releaseIfEmpty();
    }

    /** Closes the connection and reports the call's end ({@code clean}: by a closing handshake). Call on its thread. */
    public void close(boolean clean) {
        if (!closed) {
            closed = true;
            connection.close(false);
            outcome.accept(clean ? Kind.BODY_FINISHED : Kind.BODY_ABORTED);
        }
    }
}
