package dev.portico.undertow.internal.client;

import dev.portico.undertow.internal.server.ClientConnections;
import io.undertow.server.HttpServerExchange;
import org.xnio.ChannelListeners;
import org.xnio.channels.StreamSinkChannel;

import java.io.IOException;

/** Ends a client's response whose body was streamed: shut down, flush, then end the exchange. */
public final class ResponseEnd {

    private ResponseEnd() {
    }

    /**
     * Ends the response on {@code sink}, the exchange's response channel, once flushed. When the request was not read
     * whole (an upstream answered before it had all of it), Undertow would wait to drain the rest; the connection is
     * closed instead, since it cannot be reused. Call on the exchange's IO thread.
     */
    public static void end(HttpServerExchange exchange, StreamSinkChannel sink) {
        try {
            sink.shutdownWrites();
            if (!sink.flush()) {
                sink.getWriteSetter().set(ChannelListeners.flushingChannelListener(
                        channel -> sent(exchange, sink), ChannelListeners.closingChannelExceptionHandler()));
                sink.resumeWrites();
            } else {
                sent(exchange, sink);
            }
        } catch (IOException e) {
            ClientConnections.abort(exchange);
        }
    }

    private static void sent(HttpServerExchange exchange, StreamSinkChannel sink) {
        sink.getWriteSetter().set(null);
        if (!exchange.isRequestComplete()) {
            ClientConnections.abort(exchange);
            exchange.endExchange();
        }
    }
}
