package dev.portico.core.spi;

import dev.portico.core.Response;

import java.util.concurrent.CompletionStage;

/**
 * One client request as a server adapter runs it through a gateway: the adapter writes {@link #response()}, then
 * reports how the exchange ended with {@link #complete} exactly once, after the last byte or when the client left.
 */
public interface GatewayExchange {

    /** Returns the request's id, for the errors the adapter answers itself, or {@code null} when ids are off. */
    String requestId();

    /** Returns the response to write; it never completes exceptionally (failures are JSON error responses). */
    CompletionStage<Response> response();

    /**
     * Reports the end of the exchange to the {@code Context.onComplete} listeners; only the first call counts.
     *
     * @param status   the status written (or being written when the client left)
     * @param bytesIn  request body bytes read from the client
     * @param bytesOut response body bytes written to the client
     * @param failure  why the response did not go out whole (the client left, the upstream broke off), or
     *                 {@code null}; the cause of an error response is added by the gateway itself
     */
    void complete(int status, long bytesIn, long bytesOut, Throwable failure);
}
