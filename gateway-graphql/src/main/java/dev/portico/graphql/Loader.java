package dev.portico.graphql;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Loads many values by key in one go for a request's {@code DataLoader}: it completes with the value of each key it
 * found (a key left out is {@code null}), or fails, which fails every field that asked for one of these keys.
 */
@FunctionalInterface
public interface Loader {

    /** Returns the values of these distinct keys, as a stage; {@code calls} makes upstream calls for the request. */
    CompletionStage<Map<String, Object>> load(Set<String> keys, Calls calls);
}
