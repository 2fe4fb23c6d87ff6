package dev.portico.graphql;

import dev.portico.core.GatewayException;
import dev.portico.core.upstream.Upstream;
import dev.portico.graphql.internal.UrlTemplate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Ready-made {@link Loader}s over upstream calls: one call for all of a request's keys, or one call per distinct
 * key; either way a DataLoader asks for each key once per request.
 */
public final class Loaders {

    private Loaders() {
    }

    /**
     * Returns a loader that GETs all keys in one call, {@code {keys}} in the template being the keys joined with
     * commas (as in {@code /users?ids={keys}}), and matches the elements of the JSON array it answers to the keys
     * by their field {@code keyField}; a key without an element is {@code null}.
     */
    public static Loader batch(Upstream upstream, String template, String keyField) {
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(keyField, "keyField");
        UrlTemplate target = parse(template, "keys");
        return (keys, calls) -> {
            List<String> sorted = new ArrayList<>(keys);
            sorted.sort(null);
            String[] rendered = target.render(name -> name.equals("keys") ? sorted : null);
            return calls.get(upstream, rendered[1] == null ? rendered[0] : rendered[0] + '?' + rendered[1])
                    .thenApply(answer -> {
                        if (answer != null && !(answer instanceof List)) {
                            throw GatewayException.badGateway("upstream " + upstream.name() + " answered no JSON array");
                        }
                        Map<String, Object> byKey = new HashMap<>();
                        if (answer != null) {
                            for (Object element : (List<?>) answer) {
                                if (element instanceof Map<?, ?> item && item.get(keyField) != null) {
                                    byKey.put(Resolve.keyText(item.get(keyField)), element);
                                }
                            }
                        }
                        byKey.keySet().retainAll(keys);
                        return byKey;
                    });
        };
    }

    /**
     * Returns a loader that GETs each key in its own call, all at once, {@code {key}} in the template being the key
     * (as in {@code /products/{key}}); a 404 is {@code null}, and any other failure fails every key of the batch.
     */
    public static Loader each(Upstream upstream, String template) {
        Objects.requireNonNull(upstream, "upstream");
        UrlTemplate target = parse(template, "key");
        return (keys, calls) -> {
            Map<String, CompletableFuture<Object>> pending = new HashMap<>();
            for (String key : keys) {
                String[] rendered = target.render(name -> name.equals("key") ? key : null);
                pending.put(key, calls.get(upstream, rendered[1] == null ? rendered[0] : rendered[0] + '?' + rendered[1])
                        .toCompletableFuture());
            }
            return CompletableFuture.allOf(pending.values().toArray(new CompletableFuture<?>[0])).thenApply(done -> {
                Map<String, Object> byKey = new HashMap<>();
                pending.forEach((key, call) -> {
                    Object value = call.join();   // complete: allOf has completed
                    if (value != null) {
                        byKey.put(key, value);
                    }
                });
                return byKey;
            });
        };
    }

    private static UrlTemplate parse(String template, String placeholder) {
        UrlTemplate target = UrlTemplate.parse(template);
        if (!Set.copyOf(target.placeholders()).equals(Set.of(placeholder))) {
            throw new IllegalArgumentException("template: \"" + template + "\" (expected: {" + placeholder
                    + "} and no other placeholder)");
        }
        return target;
    }
}
