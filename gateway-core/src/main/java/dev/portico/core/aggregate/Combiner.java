package dev.portico.core.aggregate;

import com.google.gson.JsonElement;

import java.util.Map;

/**
 * Combines the parts of an aggregation into the response body once every part has ended (or the deadline passed);
 * it runs only when no required part failed, must not block, and a failure it throws is answered with 500.
 *
 * <pre>{@code
 * Combiner count = parts -> new JsonPrimitive(parts.get("orders").value().getAsJsonArray().size());
 * }</pre>
 */
@FunctionalInterface
public interface Combiner {

    /** Returns the response body from the parts' results, by name, in declaration order. */
    JsonElement combine(Map<String, PartResult> parts);
}
