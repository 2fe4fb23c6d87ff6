package dev.portico.undertow.internal.server;

import io.undertow.protocols.http2.Http2Channel;
import io.undertow.protocols.http2.Http2StreamSourceChannel;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.server.protocol.framed.AbstractFramedChannel;
import io.undertow.server.protocol.http2.Http2ServerConnection;
import org.xnio.IoUtils;
import org.xnio.Options;
import org.xnio.StreamConnection;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;

/**
 * Ends a client's exchange whose response cannot be completed, so that the client sees it broken, never as a
 * complete body: an HTTP/1.1 connection is closed, an HTTP/2 stream is reset ({@code CANCEL}) and the connection's
 * other streams go on. Undertow's own close resets every stream but the one a cleartext {@code Upgrade} opened
 * (stream 1), which has no request channel and which this class resets through the connection's channel. Undertow
 * keeps both fields private to its per-stream {@link Http2ServerConnection}: they are read with {@link VarHandle}s
 * resolved once. It also finds the HTTP/2 channel that has taken over a socket before any stream exists: the only
 * reference to it is the enclosing instance of the read listener it sets on the socket, read the same way.
 */
public final class ClientConnections {

    private static final System.Logger LOG = System.getLogger(ClientConnections.class.getName());
    private static final VarHandle CHANNEL = field("channel", Http2Channel.class);
    private static final VarHandle REQUEST_CHANNEL = field("requestChannel", Http2StreamSourceChannel.class);
    private static final int UPGRADED_STREAM = 1; // RFC 9113 3.1 (RFC 7540 3.2): the upgraded request's stream
    private static final String FRAME_READER = AbstractFramedChannel.class.getName() + "$FrameReadListener";
    private static final VarHandle FRAMED_CHANNEL = enclosingChannel();

    private ClientConnections() {
    }

    private static VarHandle field(String name, Class<?> type) {
        try {
            return MethodHandles.privateLookupIn(Http2ServerConnection.class, MethodHandles.lookup())
                    .findVarHandle(Http2ServerConnection.class, name, type);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Portico cannot reach Http2ServerConnection." + name + " in this "
                    + "Undertow version: HTTP/2 stream bounds, GOAWAY on stop, the close of connections that open no "
                    + "stream and resets of upgraded streams are off", e);
            return null;
        }
    }

    /** The enclosing channel of the read listener an {@link AbstractFramedChannel} sets on its socket. */
    private static VarHandle enclosingChannel() {
        try {
            Class<?> reader = Class.forName(FRAME_READER, false, AbstractFramedChannel.class.getClassLoader());
            for (Field field : reader.getDeclaredFields()) {
                if (field.getType() == AbstractFramedChannel.class) {
                    return MethodHandles.privateLookupIn(reader, MethodHandles.lookup()).unreflectVarHandle(field);
                }
            }
            throw new NoSuchFieldException(FRAME_READER + " has no enclosing channel");
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Portico cannot reach " + FRAME_READER + " in this Undertow version: "
                    + "HTTP/2 connections that open no stream are not closed after the idle timeout", e);
            return null;
        }
    }

    /**
     * Resets the exchange's HTTP/1.1 connection (a TCP reset, not a close: a response without a length, whose end is
     * the close, must not look complete) or its HTTP/2 stream.
     */
    public static void abort(HttpServerExchange exchange) {
        ServerConnection connection = exchange.getConnection();
        if (connection instanceof Http2ServerConnection http2) {
            if (REQUEST_CHANNEL != null && CHANNEL != null && REQUEST_CHANNEL.get(http2) == null) {
                ((Http2Channel) CHANNEL.get(http2)).sendRstStream(UPGRADED_STREAM, Http2Channel.ERROR_CANCEL);
                return;
            }
        } else {
            try {
                connection.setOption(Options.CLOSE_ABORT, Boolean.TRUE);
            } catch (IOException | RuntimeException unsupported) {
                // a connection that cannot reset (over TLS, say) is closed, which still ends its response
            }
        }
        IoUtils.safeClose(connection);
    }

    /** Returns the channel of an HTTP/2 connection, or {@code null} when this Undertow version does not have it. */
    public static Http2Channel channel(Http2ServerConnection connection) {
        return CHANNEL == null ? null : (Http2Channel) CHANNEL.get(connection);
    }

    /**
     * Returns the HTTP/2 channel that has taken over this socket, or {@code null} when none has (it speaks HTTP/1,
     * WebSocket, or has not finished a TLS handshake) or this Undertow version does not let it be found. Call on the
     * socket's IO thread.
     */
    public static Http2Channel channel(StreamConnection connection) {
        Object reader = connection.getSourceChannel().getReadListener();
        return FRAMED_CHANNEL != null && FRAMED_CHANNEL.coordinateTypes().get(0).isInstance(reader)
                && FRAMED_CHANNEL.get(reader) instanceof Http2Channel channel ? channel : null;
    }

    /** Returns whether this Undertow version lets both {@code channel} lookups find what they look for. */
    public static boolean reachesChannels() {
        return CHANNEL != null && FRAMED_CHANNEL != null;
    }
}
