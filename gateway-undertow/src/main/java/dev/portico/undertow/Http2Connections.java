package dev.portico.undertow;

import io.undertow.protocols.http2.Http2Channel;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http2.Http2ServerConnection;
import io.undertow.util.AttachmentKey;
import org.xnio.IoUtils;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;

/**
 * The open HTTP/2 connections of a {@link PorticoServer}, learnt from their first request, so that a stop can send
 * each a GOAWAY: the client opens no new stream on it, and the streams it has finish. Undertow keeps a connection's
 * channel private to its per-stream {@link Http2ServerConnection}; it is read once per connection.
 */
final class Http2Connections {

    private static final System.Logger LOG = System.getLogger(PorticoServer.class.getName());
    private static final AttachmentKey<Http2Channel> SEEN = AttachmentKey.create(Http2Channel.class);
    private static final VarHandle CHANNEL = channelField();

    private final Set<Http2Channel> open = ConcurrentHashMap.newKeySet();
    private volatile boolean goingAway;

    private static VarHandle channelField() {
        try {
            return MethodHandles.privateLookupIn(Http2ServerConnection.class, MethodHandles.lookup())
                    .findVarHandle(Http2ServerConnection.class, "channel", Http2Channel.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Portico cannot send GOAWAY on this Undertow version: a stop closes "
                    + "HTTP/2 connections after their streams finish, without announcing it", e);
            return null;
        }
    }

    /** Notes the exchange's connection if it is an HTTP/2 one not seen yet; call on its IO thread. */
    void note(HttpServerExchange exchange) {
        if (CHANNEL == null || !(exchange.getConnection() instanceof Http2ServerConnection connection)
                || connection.getAttachment(SEEN) != null) {
            return;
        }
        Http2Channel channel = (Http2Channel) CHANNEL.get(connection);
        connection.putAttachment(SEEN, channel); // attachments of an HTTP/2 connection are its channel's
        open.add(channel);
        channel.addCloseTask(closed -> open.remove(closed));
        if (goingAway) {
            channel.sendGoAway(Http2Channel.ERROR_NO_ERROR);
        }
    }

    /** Sends every open connection a GOAWAY, and from now on each new one at its first request. */
    void goAway() {
        goingAway = true;
        for (Http2Channel channel : open) {
            try {
                channel.getIoThread().execute(() -> channel.sendGoAway(Http2Channel.ERROR_NO_ERROR));
            } catch (RejectedExecutionException stopping) {
                // its thread is gone, and the connection with it
            }
        }
    }

    /** Closes every connection still open. */
    void close() {
        open.forEach(IoUtils::safeClose);
    }
}
