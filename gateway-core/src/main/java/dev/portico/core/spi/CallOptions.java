package dev.portico.core.spi;

import dev.portico.core.WebSocket;
import dev.portico.core.upstream.CallListener;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How one upstream call is bounded.
 *
 * @param upstream        the upstream's name, for errors and logs (never an address: errors reach clients)
 * @param connectTimeout  how long to wait for a new connection
 * @param responseTimeout how long to wait for the response head once the whole request is sent
 * @param maxRequestBody  the most request body bytes to forward; more fails the call with 413
 * @param listeners       who hears the outcome of each attempt (the transport reports every one)
 * @param webSocket       how a WebSocket upgrade the client asked for is relayed, or {@code null} when the route
 *                        accepts none (the request then goes without its {@code Upgrade})
 */
public record CallOptions(String upstream, Duration connectTimeout, Duration responseTimeout, long maxRequestBody,
                          List<CallListener> listeners, WebSocket webSocket) {

    public CallOptions {
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(responseTimeout, "responseTimeout");
        listeners = List.copyOf(listeners);
    }

    /** Returns options for a call that is never upgraded. */
    public CallOptions(String upstream, Duration connectTimeout, Duration responseTimeout, long maxRequestBody,
                       List<CallListener> listeners) {
        this(upstream, connectTimeout, responseTimeout, maxRequestBody, listeners, null);
    }

    /** Returns options whose attempts nobody listens to. */
    public CallOptions(String upstream, Duration connectTimeout, Duration responseTimeout, long maxRequestBody) {
        this(upstream, connectTimeout, responseTimeout, maxRequestBody, List.of());
    }
}
