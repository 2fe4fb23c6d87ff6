package dev.portico.core;

import java.util.concurrent.CompletionStage;

/**
 * A filter completes the returned stage exactly once, with the result of {@code chain.proceed} or with its own
 * response.
 *
 * <p>Calling {@link Chain#proceed} once passes the request on, zero times short-circuits, several times retries.
 * Filters run in list order, outermost first: the gateway's global filters wrap a route's filters, which wrap the
 * route's target.
 *
 * <pre>{@code
 * Filter tenant = (request, chain) ->
 *         chain.proceed(request.toBuilder().header("X-Tenant", "acme").build());
 * }</pre>
 */
@FunctionalInterface
public interface Filter {

    /** Handles the request, usually by passing it (or a changed copy) to {@code chain.proceed}. */
    CompletionStage<Response> filter(Request request, Chain chain);
}
