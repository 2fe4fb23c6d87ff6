package dev.portico.core.filter;

import dev.portico.core.Filter;
import dev.portico.core.Headers;
import dev.portico.core.internal.http.Paths;
import dev.portico.core.internal.http.ProxyHeaders;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Built-in filters that rewrite the path, the headers and the {@code Host} of requests and responses.
 *
 * <pre>{@code
 * Route.get("/api/users/{id}")
 *         .filters(Filters.rewritePath("/users/{id}"), Filters.setResponseHeader("Cache-Control", "no-store"))
 *         .to(users);
 * }</pre>
 */
public final class Filters {

    private Filters() {
    }

    /** Removes the first {@code segments} path segments, so {@code stripPrefix(1)} sends {@code /api/a} as {@code /a}. */
    public static Filter stripPrefix(int segments) {
        if (segments < 1) {
            throw new IllegalArgumentException("segments: " + segments + " (expected: > 0)");
        }
        return (request, chain) -> {
            String raw = request.rawPath();
            int cut = 0;
            for (int i = 0; i < segments && cut >= 0; i++) {
                cut = raw.indexOf('/', cut + 1);
            }
            String stripped = cut < 0 ? "/" : raw.substring(cut);
            return chain.proceed(request.toBuilder().rawPath(stripped).build());
        };
    }

    /** Prepends a decoded path prefix such as {@code /v2}. */
    public static Filter prefixPath(String prefix) {
        String encoded = Paths.encode(Objects.requireNonNull(prefix, "prefix"));
        if (encoded.endsWith("/")) {
            throw new IllegalArgumentException("prefix: " + prefix + " (expected: no trailing slash)");
        }
        return (request, chain) -> chain.proceed(request.toBuilder().rawPath(encoded + request.rawPath()).build());
    }

    /**
     * Replaces the path with a template whose {@code {name}} placeholders take the route's path captures, each
     * percent-encoded as one segment: {@code rewritePath("/users/{id}")}.
     */
    public static Filter rewritePath(String template) {
        Objects.requireNonNull(template, "template");
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("template: " + template + " (expected: starts with '/')");
        }
        List<String> parts = new ArrayList<>(); // literal, name, literal, name, ..., literal
        int at = 0;
        for (int open = template.indexOf('{'); open >= 0; open = template.indexOf('{', at)) {
            int close = template.indexOf('}', open);
            String name = close < 0 ? "" : template.substring(open + 1, close);
            if (name.isEmpty() || name.indexOf('{') >= 0) {
                throw new IllegalArgumentException("template: " + template + " (expected: {name} placeholders)");
            }
            parts.add(Paths.encodeText(template.substring(at, open)));
            parts.add(name);
            at = close + 1;
        }
        if (template.indexOf('}', at) >= 0) {
            throw new IllegalArgumentException("template: " + template + " (expected: {name} placeholders)");
        }
        parts.add(Paths.encodeText(template.substring(at)));
        String[] compiled = parts.toArray(new String[0]);
        return (request, chain) -> {
            StringBuilder path = new StringBuilder(64);
            for (int i = 0; i < compiled.length; i++) {
                if (i % 2 == 0) {
                    path.append(compiled[i]);
                    continue;
                }
                String value = chain.context().pathParam(compiled[i]);
                if (value == null) {
                    throw new IllegalStateException("rewritePath: route " + chain.context().route().id()
                            + " has no capture {" + compiled[i] + '}');
                }
                path.append(Paths.encodeSegment(value));
            }
            return chain.proceed(request.toBuilder().rawPath(path.toString()).build());
        };
    }

    /** Appends a request header value. */
    public static Filter addRequestHeader(String name, String value) {
        Headers.of(name, value);
        return (request, chain) -> chain.proceed(request.toBuilder().addHeader(name, value).build());
    }

    /** Sets a request header, replacing any values the client sent. */
    public static Filter setRequestHeader(String name, String value) {
        Headers.of(name, value);
        return (request, chain) -> chain.proceed(request.toBuilder().header(name, value).build());
    }

    /** Removes a request header. */
    public static Filter removeRequestHeader(String name) {
        Headers.of(name, "");
        return (request, chain) -> chain.proceed(request.toBuilder().removeHeader(name).build());
    }

    /** Appends a response header value. */
    public static Filter addResponseHeader(String name, String value) {
        Headers.of(name, value);
        return (request, chain) -> chain.proceed(request)
                .thenApply(response -> response.toBuilder().addHeader(name, value).build());
    }

    /** Sets a response header, replacing any values the upstream sent. */
    public static Filter setResponseHeader(String name, String value) {
        Headers.of(name, value);
        return (request, chain) -> chain.proceed(request)
                .thenApply(response -> response.toBuilder().header(name, value).build());
    }

    /** Removes a response header. */
    public static Filter removeResponseHeader(String name) {
        Headers.of(name, "");
        return (request, chain) -> chain.proceed(request)
                .thenApply(response -> response.toBuilder().removeHeader(name).build());
    }

    /** Forwards the client's {@code Host} header instead of the upstream instance's authority (the default). */
    public static Filter preserveHost() {
        return (request, chain) -> {
            chain.context().put(ProxyHeaders.PRESERVE_HOST, Boolean.TRUE);
            return chain.proceed(request);
        };
    }

    /** Forwards this {@code Host} header, such as {@code api.internal.example}. */
    public static Filter host(String host) {
        Headers.of("Host", host);
        return (request, chain) -> {
            chain.context().put(ProxyHeaders.PRESERVE_HOST, Boolean.TRUE);
            return chain.proceed(request.toBuilder().header("Host", host).build());
        };
    }
}
