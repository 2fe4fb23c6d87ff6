package dev.portico.undertow;

import dev.portico.undertow.internal.server.ClientConnections;
import io.undertow.protocols.http2.Http2Channel;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http2.Http2ServerConnection;
import io.undertow.util.AttachmentKey;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The open HTTP/2 connections of a {@link PorticoServer} and their streams in flight. It bounds the streams a
 * connection may have in flight (Undertow counts only those whose request is still arriving, so a client could open
 * any number of bodiless ones): a stream over the bound is answered 503 by the gateway, as any request over a limit
 * is. On a stop, each connection gets a {@code GOAWAY} (no error) once its streams have finished, and is
 * closed: Undertow closes a connection right after its GOAWAY, and the JDK's client before 21 fails every open stream
 * when one arrives, so a GOAWAY sent earlier would cut off the streams a drain must let finish. A stream opened
 * meanwhile gets the gateway's 503. Undertow keeps a connection's channel private to its per-stream
 * {@link Http2ServerConnection}: {@link ClientConnections} reads it at a connection's first stream.
 *
 * <p>A connection that has had no stream admitted within the idle timeout of its accept is sent a {@code GOAWAY}
 * (no error) and closed, see {@link #closingUnused}: Undertow arms its own idle timer (the gateway's idle timeout)
 * only when a connection's last stream closes, so one that never finishes a first stream would be held forever.
 */
final class Http2Connections {

    private static final System.Logger LOG = System.getLogger(PorticoServer.class.getName());
    private static final AttachmentKey<Streams> STREAMS = AttachmentKey.create(Streams.class);
    private static final long GOAWAY_GRACE_SECONDS = 2; // as Undertow's own idle timer

    private final int maxStreams;
    private final Set<Streams> open = ConcurrentHashMap.newKeySet();
    private volatile boolean goingAway;

    /** One connection's streams in flight. */
    private static final class Streams {
        final Http2Channel channel;
        final AtomicInteger inFlight = new AtomicInteger();

        Streams(Http2Channel channel) {
            this.channel = channel;
        }

        /** Sends the GOAWAY, and so closes the connection, on its IO thread. */
        void goAway() {
            try {
                channel.getIoThread().execute(() -> channel.sendGoAway(Http2Channel.ERROR_NO_ERROR));
            } catch (RejectedExecutionException stopping) {
                IoUtils.safeClose(channel);
            }
        }
    }

    Http2Connections(int maxStreams) {
        this.maxStreams = maxStreams;
    }

    /** Returns the bound on one connection's streams in flight. */
    int maxStreams() {
        return maxStreams;
    }

    /**
     * Counts an HTTP/2 exchange as in flight on its connection until it completes, and returns true; or returns false
     * when its connection is at the bound. Call on its IO thread.
     */
    boolean admit(HttpServerExchange exchange) {
        Http2ServerConnection connection = (Http2ServerConnection) exchange.getConnection();
        Streams streams = connection.getAttachment(STREAMS); // an HTTP/2 connection's attachments are its channel's
        if (streams == null) {
            Http2Channel channel = ClientConnections.channel(connection);
            if (channel == null) {
                return true;
            }
            streams = new Streams(channel);
            connection.putAttachment(STREAMS, streams);
            open.add(streams);
            Streams added = streams;
            channel.addCloseTask(closed -> open.remove(added));
        }
        if (streams.inFlight.incrementAndGet() > maxStreams) {
            streams.inFlight.decrementAndGet();
            return false;
        }
        Streams counted = streams;
        exchange.addExchangeCompleteListener((ex, next) -> {
            if (counted.inFlight.decrementAndGet() == 0 && goingAway) {
                counted.goAway();
            }
            next.proceed();
        });
        return true;
    }

    /**
     * Returns a listener that hands each connection to {@code next} and, {@code timeout} later on its IO thread, sends
     * it a GOAWAY (no error) and closes it if it has become HTTP/2 and has had no stream admitted by then. An HTTP/1
     * connection costs one timer, nothing per request; one that became HTTP/2 later (by an {@code Upgrade}) had its
     * first stream when it did. The timer holds the connection weakly: one closed before it fires is not kept.
     */
    ChannelListener<StreamConnection> closingUnused(ChannelListener<StreamConnection> next, Duration timeout) {
        if (!ClientConnections.reachesChannels()) {
            return next; // it could not tell a connection that has had a stream: ClientConnections has warned
        }
        long millis = timeout.toMillis();
        return connection -> {
            WeakReference<StreamConnection> held = new WeakReference<>(connection);
            connection.getIoThread().executeAfter(() -> closeIfUnused(held.get()), millis, TimeUnit.MILLISECONDS);
            next.handleEvent(connection);
        };
    }

    private static void closeIfUnused(StreamConnection connection) {
        Http2Channel channel = connection == null ? null : ClientConnections.channel(connection);
        if (channel != null && channel.isOpen() && channel.getAttachment(STREAMS) == null) {
            channel.sendGoAway(Http2Channel.ERROR_NO_ERROR); // closes the connection once written
            // a client that does not read would keep it unwritten, and the connection open
            channel.getIoThread().executeAfter(() -> IoUtils.safeClose(channel), GOAWAY_GRACE_SECONDS,
                    TimeUnit.SECONDS);
        }
    }

    /** Sends each connection its GOAWAY once its streams have finished, from now on. */
    void goAway() {
        goingAway = true;
        for (Streams streams : open) {
            if (streams.inFlight.get() == 0) {
                streams.goAway();
            }
        }
    }

    /** Closes every connection still open. */
    void close() {
        open.forEach(streams -> IoUtils.safeClose(streams.channel));
    }
}
