package dev.portico.core.aggregate;

import dev.portico.core.Handler;
import dev.portico.core.internal.Checks;
import dev.portico.core.internal.http.Paths;
import dev.portico.core.internal.json.JsonPath;
import dev.portico.core.upstream.SendOptions;
import dev.portico.core.upstream.Upstream;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One call of an {@link Aggregator}, immutable: the upstream, the method, a path, query and headers whose
 * {@code {placeholders}} take the request's values, how its answer is judged and shaped, and where it goes in the
 * combined response.
 *
 * <p>Placeholders: {@code {id}} a path capture, {@code {sub}} the authenticated principal's subject,
 * {@code {claim.tenant}} one of its claims, {@code {query.q}} and {@code {header.Accept-Language}} the client's,
 * {@code {user.address.country}} a field of the answer of the part named {@code user} (this part then waits for that
 * one), and in a fan-out {@code {each}} or {@code {each.id}} the element.
 *
 * <pre>{@code
 * Part.get(orders, "/orders").query("userId", "{sub}").optional().timeout(Duration.ofMillis(300))
 * }</pre>
 */
public final class Part {

    /** The default bound of a part's response body: 1 MiB. */
    public static final long DEFAULT_MAX_BODY_SIZE = 1024 * 1024;

    private final Upstream upstream;
    private final Handler handler;
    private final String method;
    private final Template path;
    private final String literalQuery;
    private final Map<String, Template> query;
    private final Map<String, Template> headers;
    private final boolean optional;
    private final Duration timeout;
    private final boolean notFoundIsNull;
    private final long maxBodySize;
    private final JsonPath forEach;
    private final int maxCalls;
    private final Shape shape;
    private final String key;
    private final boolean atRoot;
    private final Set<String> dependencies;
    private final SendOptions sendOptions;

    private Part(Builder b) {
        this.upstream = b.upstream;
        this.handler = b.handler;
        this.method = b.method;
        this.path = b.path;
        this.literalQuery = b.literalQuery;
        this.query = Collections.unmodifiableMap(new LinkedHashMap<>(b.query));
        this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(b.headers));
        this.optional = b.optional;
        this.timeout = b.timeout;
        this.notFoundIsNull = b.notFoundIsNull;
        this.maxBodySize = b.maxBodySize;
        this.forEach = b.forEach;
        this.maxCalls = b.maxCalls;
        this.shape = b.shape;
        this.key = b.key;
        this.atRoot = b.atRoot;
        Set<String> needs = new LinkedHashSet<>(path.parts());
        query.values().forEach(value -> needs.addAll(value.parts()));
        headers.values().forEach(header -> needs.addAll(header.parts()));
        if (forEach != null) {
            needs.add(forEach.first());
        }
        this.dependencies = Set.copyOf(needs);
        this.sendOptions = timeout == null ? SendOptions.defaults() : SendOptions.builder().timeout(timeout).build();
        boolean each = path.readsEach() || query.values().stream().anyMatch(Template::readsEach)
                || headers.values().stream().anyMatch(Template::readsEach);
        if (each && forEach == null) {
            throw new IllegalArgumentException("part " + b.path + ": {each} is used without forEach(path, maxCalls)");
        }
    }

    /** Returns a builder of a {@code GET} of this path template on this upstream. */
    public static Builder get(Upstream upstream, String path) {
        return new Builder("GET", Objects.requireNonNull(upstream, "upstream"), null, path);
    }

    /**
     * Returns a builder of a {@code GET} of this path template that a local handler answers instead of an upstream
     * (such as a gRPC method's transcoder): the handler gets the part's request, forwarded headers included, and
     * the aggregation's context, and must not block.
     */
    public static Builder handler(Handler handler, String path) {
        return new Builder("GET", null, Objects.requireNonNull(handler, "handler"), path);
    }

    /** Returns a builder of a call with this method, without a body, of this path template on this upstream. */
    public static Builder request(String method, Upstream upstream, String path) {
        return new Builder(Paths.method(Objects.requireNonNull(method, "method")),
                Objects.requireNonNull(upstream, "upstream"), null, path);
    }

    /** Returns the upstream called, or {@code null} for a part that a {@link #handler() handler} answers. */
    public Upstream upstream() {
        return upstream;
    }

    /** Returns the local handler that answers this part, or {@code null} for a part that calls an upstream. */
    public Handler handler() {
        return handler;
    }

    /** Returns what answers this part, for messages: the upstream's name, or {@code "handler"}. */
    String target() {
        return upstream != null ? upstream.name() : "handler";
    }

    /** Returns the method. */
    public String method() {
        return method;
    }

    /** Returns whether the response is complete without this part: its failure gives {@code null} and a partial answer. */
    public boolean isOptional() {
        return optional;
    }

    /** Returns this part's own time limit, or {@code null} for the aggregation's deadline alone. */
    public Duration timeout() {
        return timeout;
    }

    /** Returns the key it goes under in the combined object, or {@code null} for the part's name. */
    public String key() {
        return key;
    }

    /** Returns whether its fields are merged into the root of the combined object. */
    public boolean isAtRoot() {
        return atRoot;
    }

    /** Returns the names of the parts whose answers this one needs before it starts. */
    public Set<String> dependencies() {
        return dependencies;
    }

    Template path() {
        return path;
    }

    String literalQuery() {
        return literalQuery;
    }

    /** Returns the query parameters' value templates by name, the names already form-encoded. */
    Map<String, Template> query() {
        return query;
    }

    Map<String, Template> headers() {
        return headers;
    }

    boolean notFoundIsNull() {
        return notFoundIsNull;
    }

    long maxBodySize() {
        return maxBodySize;
    }

    JsonPath forEach() {
        return forEach;
    }

    int maxCalls() {
        return maxCalls;
    }

    SendOptions sendOptions() {
        return sendOptions;
    }

    Shape shape() {
        return shape;
    }

    @Override
    public String toString() {
        return "Part{" + method + ' ' + target() + ' ' + path + (optional ? " optional" : "") + '}';
    }

    /** A builder of {@link Part}. */
    public static final class Builder {

        private final String method;
        private final Upstream upstream;
        private final Handler handler;
        private final Template path;
        private final String literalQuery;
        private final Map<String, Template> query = new LinkedHashMap<>();
        private final Map<String, Template> headers = new LinkedHashMap<>();
        private boolean optional;
        private Duration timeout;
        private boolean notFoundIsNull;
        private long maxBodySize = DEFAULT_MAX_BODY_SIZE;
        private JsonPath forEach;
        private int maxCalls;
        private Shape shape = Shape.identity();
        private String key;
        private boolean atRoot;

        private Builder(String method, Upstream upstream, Handler handler, String path) {
            this.method = method;
            this.upstream = upstream;
            this.handler = handler;
            Objects.requireNonNull(path, "path");
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("path: " + path + " (expected: starts with '/')");
            }
            int question = path.indexOf('?');
            this.path = Template.parse(question < 0 ? path : path.substring(0, question));
            this.literalQuery = question < 0 || question == path.length() - 1 ? null : path.substring(question + 1);
            if (literalQuery != null && literalQuery.indexOf('{') >= 0) {
                throw new IllegalArgumentException("path: " + path + " (expected: placeholders in the query through query(name, value))");
            }
        }

        /** Adds a query parameter whose value is a template, such as {@code query("userId", "{sub}")}; omitted when it has no value. */
        public Builder query(String name, String value) {
            // held form-encoded: the name is the same on every call
            query.put(URLEncoder.encode(Objects.requireNonNull(name, "name"), StandardCharsets.UTF_8), Template.parse(value));
            return this;
        }

        /** Sets a request header whose value is a template, such as {@code header("Accept-Language", "{header.Accept-Language}")}; omitted when it has no value. */
        public Builder header(String name, String value) {
            headers.put(Paths.token(Objects.requireNonNull(name, "name"), "header name"), Template.parse(value));
            return this;
        }

        /**
         * Makes the part optional: when it fails, the response still succeeds, with {@code null} in its place (or
         * without it, see {@link Aggregator.Builder#omitFailedParts()}) and {@code X-Gateway-Partial: true}. A
         * required part (the default) that fails fails the whole response.
         */
        public Builder optional() {
            this.optional = true;
            return this;
        }

        /**
         * Limits this part's time, from its start to its whole body, within the aggregation's deadline; it also
         * bounds the upstream's response head.
         */
        public Builder timeout(Duration timeout) {
            this.timeout = Checks.positive(timeout, "timeout");
            return this;
        }

        /** Takes an upstream's 404 as a success whose value is {@code null}; any other non-2xx status fails the part. */
        public Builder notFoundIsNull() {
            this.notFoundIsNull = true;
            return this;
        }

        /** Sets the largest response body read, in bytes (default 1 MiB); a larger body fails the part. */
        public Builder maxBodySize(long bytes) {
            this.maxBodySize = Checks.notNegative(bytes, "maxBodySize");
            return this;
        }

        /**
         * Fans out: one call per value at {@code path} (which starts with another part's name, such as
         * {@code orders.productId}), each with that value as {@code {each}}, at most {@code maxCalls} of them (the
         * rest are left out and the response is partial); the part's value is the array of their answers, in
         * order, and it fails when any of them fails.
         */
        public Builder forEach(String path, int maxCalls) {
            this.forEach = JsonPath.parse(path);
            if (maxCalls < 1) {
                throw new IllegalArgumentException("maxCalls: " + maxCalls + " (expected: >= 1)");
            }
            this.maxCalls = maxCalls;
            return this;
        }

        /** Shapes the part's answer (each answer, in a fan-out) before it is combined. */
        public Builder shape(Shape shape) {
            this.shape = Objects.requireNonNull(shape, "shape");
            return this;
        }

        /** Puts the part's value under this key of the combined object instead of the part's name. */
        public Builder under(String key) {
            this.key = Objects.requireNonNull(key, "key");
            this.atRoot = false;
            return this;
        }

        /**
         * Merges the part's fields into the root of the combined object (later parts win a clash); a value that is
         * not an object still goes under the part's name.
         */
        public Builder atRoot() {
            this.atRoot = true;
            this.key = null;
            return this;
        }

        /** Returns the part. */
        public Part build() {
            return new Part(this);
        }
    }
}
