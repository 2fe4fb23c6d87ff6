package dev.portico.graphql.internal;

import dev.portico.core.GatewayException;
import graphql.ErrorClassification;
import graphql.GraphQLError;
import graphql.GraphqlErrorBuilder;
import graphql.execution.DataFetcherExceptionHandler;
import graphql.execution.DataFetcherExceptionHandlerParameters;
import graphql.execution.DataFetcherExceptionHandlerResult;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Turns a field's failure into a GraphQL error at the field's path and location: a {@link GatewayException}'s
 * client-safe message and code (such as {@code bad_gateway}), {@code upstream_call_budget_exceeded} for a call the
 * request's budget refused, or a generic message for anything else, whose detail only goes to the log; never an
 * exception's class name or stack trace.
 */
public final class FieldErrors implements DataFetcherExceptionHandler {

    private static final System.Logger LOG = System.getLogger(FieldErrors.class.getName());

    private static final ErrorClassification UPSTREAM = ErrorClassification.errorClassification("UPSTREAM_ERROR");
    private static final ErrorClassification INTERNAL = ErrorClassification.errorClassification("INTERNAL_ERROR");
    private static final ErrorClassification LIMIT = ErrorClassification.errorClassification("LIMIT_EXCEEDED");
    private static final ErrorClassification BAD_INPUT = ErrorClassification.errorClassification("BAD_USER_INPUT");

    @Override
    public CompletableFuture<DataFetcherExceptionHandlerResult> handleException(DataFetcherExceptionHandlerParameters params) {
        Throwable cause = unwrap(params.getException());
        GraphqlErrorBuilder<?> error = GraphqlErrorBuilder.newError()
                .path(params.getPath())
                .location(params.getSourceLocation());
        if (cause instanceof GatewayException refused) {
            error.message("%s", refused.getMessage())
                    .errorType(UPSTREAM)
                    .extensions(Map.of("code", refused.error(), "status", refused.status()));
        } else if (cause instanceof CallBudget.Spent spent) {
            error.message("%s", spent.getMessage())
                    .errorType(LIMIT)
                    .extensions(Map.of("code", "upstream_call_budget_exceeded"));
        } else if (cause instanceof UrlTemplate.Unusable bad) {
            if (bad.unusableValue()) { // a value that cannot name a resource, such as "..": most often an argument
                error.message("%s", bad.getMessage()).errorType(BAD_INPUT).extensions(Map.of("code", "bad_request"));
            } else { // no value at all: the schema's wiring or an upstream's data, not the client
                error.message("%s", bad.getMessage()).errorType(INTERNAL);
            }
        } else {
            LOG.log(System.Logger.Level.WARNING, "field " + params.getPath() + " failed", cause);
            error.message("%s", "the field could not be resolved").errorType(INTERNAL);
        }
        GraphQLError built = error.build();
        return CompletableFuture.completedFuture(DataFetcherExceptionHandlerResult.newResult(built).build());
    }

    /** Returns the failure inside completion wrappers. */
    public static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
