package dev.portico.core;

import java.util.concurrent.CompletionStage;

/**
 * A route's target that answers locally: it completes the returned stage exactly once, with a response or with a
 * {@link GatewayException}.
 *
 * <pre>{@code
 * Handler health = (request, context) ->
 *         CompletableFuture.completedFuture(Response.json(200, "{\"status\":\"UP\"}"));
 * }</pre>
 */
@FunctionalInterface
public interface Handler {

    /** Answers the request. */
    CompletionStage<Response> handle(Request request, Context context);
}
