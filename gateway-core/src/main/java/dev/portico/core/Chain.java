package dev.portico.core;

import java.util.concurrent.CompletionStage;

/** The rest of a request's pipeline as one filter sees it: the next filters and then the route's target. */
public interface Chain {

    /** Returns the context of the request being handled. */
    Context context();

    /** Passes a request to the next filter, or to the target after the last; may be called again to retry. */
    CompletionStage<Response> proceed(Request request);
}
