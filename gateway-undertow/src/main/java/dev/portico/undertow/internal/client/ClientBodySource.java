package dev.portico.undertow.internal.client;

import dev.portico.core.Body;
import org.xnio.channels.StreamSourceChannel;

/**
 * Opens the client exchange's own request body as a channel to stream upstream with a bound, so the client needs no
 * server-side type; it returns {@code null} for any other body, or one already read.
 */
@FunctionalInterface
public interface ClientBodySource {

    /** Returns the channel to read {@code body} from, at most {@code maxBytes} of it, or {@code null}. */
    StreamSourceChannel open(Body body, long maxBytes);
}
