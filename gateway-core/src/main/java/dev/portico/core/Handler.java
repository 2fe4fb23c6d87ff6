package dev.portico.core;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;

/**
 * A route's target that answers locally: it completes the returned stage exactly once, with a response or with a
 * {@link GatewayException}.
 *
 * <pre>{@code
 * Handler health = Handler.sync((request, context) -> Response.json(200, "{\"status\":\"UP\"}"));
 * }</pre>
 */
@FunctionalInterface
public interface Handler {

    /** Answers the request. */
    CompletionStage<Response> handle(Request request, Context context);

    /**
     * Returns a handler whose stage completes with what this function returns, or fails with what it throws; the
     * function runs on the calling thread, so it must not block.
     */
    static Handler sync(BiFunction<Request, Context, Response> function) {
        Objects.requireNonNull(function, "function");
        return (request, context) -> {
            try {
                return CompletableFuture.completedFuture(function.apply(request, context));
            } catch (Throwable t) {
                return CompletableFuture.failedFuture(t);
            }
        };
    }
}
