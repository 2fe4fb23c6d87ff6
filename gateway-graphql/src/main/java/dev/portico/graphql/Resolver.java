package dev.portico.graphql;

import graphql.schema.DataFetchingEnvironment;

import java.util.concurrent.CompletionStage;

/**
 * Resolves one field of a {@link GraphqlEndpoint}'s schema without blocking: it returns a stage that completes
 * with the field's value (JSON values as Gson reads them: maps, lists, strings, numbers, booleans, or {@code null}),
 * or fails, which makes the field {@code null} with an error at its path.
 *
 * <pre>{@code
 * Resolver me = (env, calls) -> calls.get(users, "/users/" + calls.principal().subject());
 * }</pre>
 */
@FunctionalInterface
public interface Resolver {

    /** Returns the field's value, as a stage; {@code calls} makes upstream calls for the current request. */
    CompletionStage<?> resolve(DataFetchingEnvironment env, Calls calls);
}
