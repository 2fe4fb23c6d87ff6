package dev.portico.graphql;

import dev.portico.core.auth.Principal;
import dev.portico.core.upstream.Upstream;
import dev.portico.graphql.internal.UrlTemplate;
import graphql.schema.DataFetchingEnvironment;
import org.dataloader.DataLoader;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Ready-made {@link Resolver}s over upstream calls, whose targets are templates: {@code {name}} is the field's
 * argument {@code name}, {@code {source.path}} a value of the parent object (dotted for nested ones), and
 * {@code {sub}} the authenticated caller's subject.
 *
 * <pre>{@code
 * .field("Query", "products", Resolve.get(products, "/products?category={category}"))
 * .field("Order", "product", Resolve.load("products", "source.productId"))
 * }</pre>
 */
public final class Resolve {

    private Resolve() {
    }

    /**
     * Returns a resolver that GETs the rendered target from the upstream and answers its JSON ({@code null} for a
     * 404); a query parameter whose placeholder has no value is left out, a path placeholder without one fails the
     * field.
     */
    public static Resolver get(Upstream upstream, String template) {
        Objects.requireNonNull(upstream, "upstream");
        UrlTemplate target = UrlTemplate.parse(template);
        return (env, calls) -> {
            String[] rendered = target.render(name -> value(env, calls, name));
            return calls.get(upstream, rendered[1] == null ? rendered[0] : rendered[0] + '?' + rendered[1]);
        };
    }

    /**
     * Returns a resolver that asks the request's DataLoader {@code loader} for the key this placeholder names (such
     * as {@code source.userId}), so that the keys of one request are loaded together and each once; no key
     * resolves to {@code null}.
     */
    public static Resolver load(String loader, String key) {
        Objects.requireNonNull(loader, "loader");
        Objects.requireNonNull(key, "key");
        return (env, calls) -> {
            Object value = value(env, calls, key);
            if (value == null) {
                return CompletableFuture.completedFuture(null);
            }
            DataLoader<String, Object> loads = env.getDataLoader(loader);
            if (loads == null) {
                throw new IllegalStateException("no loader " + loader + " is declared");
            }
            return loads.load(keyText(value));
        };
    }

    /** Returns the value a placeholder names for this field. */
    static Object value(DataFetchingEnvironment env, Calls calls, String name) {
        if (name.equals("sub")) {
            Principal principal = calls.principal();
            return principal == null ? null : principal.subject();
        }
        if (name.startsWith("source.")) {
            Object value = env.getSource();
            for (String part : name.substring("source.".length()).split("\\.")) {
                if (!(value instanceof Map<?, ?> map)) {
                    return null;
                }
                value = map.get(part);
            }
            return value;
        }
        return env.getArgument(name);
    }

    /** Returns a key's text: a whole number without a fraction, anything else as {@code String.valueOf}. */
    static String keyText(Object value) {
        if (value instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString(d.longValue());
        }
        return String.valueOf(value);
    }
}
