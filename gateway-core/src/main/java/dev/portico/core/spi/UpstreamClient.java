package dev.portico.core.spi;

import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.upstream.Endpoint;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The transport to upstreams that a server adapter provides: it sends the request as given (the gateway has already
 * set its headers), never blocks the calling thread, and completes the stage once, with the response as soon as its
 * headers arrived (the body streams) or with a 502, 504 or 413 {@link dev.portico.core.GatewayException}.
 */
public interface UpstreamClient {

    /** Sends a request to one endpoint. */
    CompletionStage<Response> send(Endpoint endpoint, Request request, CallOptions options);

    /**
     * Returns where the gateway runs the steps of this transport's calls that its shared timer starts (a retry after
     * its backoff, the answer to a call past its deadline), so that the timer thread only hands them over: the IO
     * thread the calls belong to. By default they run on the timer thread itself.
     */
    default Executor executor() {
        return Runnable::run;
    }
}
