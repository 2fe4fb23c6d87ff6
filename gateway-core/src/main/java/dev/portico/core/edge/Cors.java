package dev.portico.core.edge;

import dev.portico.core.Chain;
import dev.portico.core.Filter;
import dev.portico.core.GatewayException;
import dev.portico.core.Headers;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.internal.http.Vary;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * A filter that answers CORS preflights from allowed origins itself with 204 and adds CORS headers to the responses
 * of allowed origins' actual requests; add it as the first edge filter, so preflights are answered before routing
 * and authentication, and every answer, errors included, gets its headers.
 *
 * <p>A preflight from an origin that is not allowed, or asking for a method or header that is not, gets a 403 JSON
 * error without CORS headers. Requests without {@code Origin} pass untouched. The exact origin is echoed, never
 * {@code *}, and CORS headers a backend set are replaced.
 *
 * <pre>{@code
 * Filter cors = Cors.builder().allowOrigin("https://app.example").allowMethods("GET", "POST")
 *         .allowHeaders("Authorization", "Content-Type").allowCredentials(true).build();
 * }</pre>
 */
public final class Cors implements Filter {

    private static final String ALLOW_ORIGIN = "Access-Control-Allow-Origin";
    private static final String ALLOW_CREDENTIALS = "Access-Control-Allow-Credentials";
    private static final String ALLOW_METHODS = "Access-Control-Allow-Methods";
    private static final String ALLOW_HEADERS = "Access-Control-Allow-Headers";
    private static final String EXPOSE_HEADERS = "Access-Control-Expose-Headers";
    private static final String MAX_AGE = "Access-Control-Max-Age";
    private static final String REQUEST_METHOD = "Access-Control-Request-Method";
    private static final String REQUEST_HEADERS = "Access-Control-Request-Headers";
    private static final List<String> RESPONSE_HEADERS = List.of(ALLOW_ORIGIN, ALLOW_CREDENTIALS, ALLOW_METHODS,
            ALLOW_HEADERS, EXPOSE_HEADERS, MAX_AGE, "Access-Control-Allow-Private-Network");

    private final Set<String> origins;
    private final Pattern[] originPatterns;
    private final Set<String> methods;
    private final String allowMethods;
    private final Set<String> headers;
    private final String allowHeaders;
    private final String exposeHeaders;
    private final boolean credentials;
    private final String maxAge;

    private Cors(Builder b, Pattern[] originPatterns) {
        this.origins = Set.copyOf(b.origins);
        this.originPatterns = originPatterns;
        this.methods = Set.copyOf(b.methods);
        this.allowMethods = String.join(", ", b.methods);
        Set<String> lower = new LinkedHashSet<>();
        b.headers.forEach(h -> lower.add(h.toLowerCase(Locale.ROOT)));
        this.headers = Set.copyOf(lower);
        this.allowHeaders = b.headers.isEmpty() ? null : String.join(", ", b.headers);
        this.exposeHeaders = b.exposeHeaders.isEmpty() ? null : String.join(", ", b.exposeHeaders);
        this.credentials = b.credentials;
        this.maxAge = b.maxAge == null ? null : Long.toString(b.maxAge.getSeconds());
    }

    /** Returns a new builder; at least one origin or origin pattern must be allowed before {@code build()}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns whether this {@code Origin} value is allowed: exactly one of the origins, or matched by an origin
     * pattern. Browsers send origins in lower case (RFC 6454), as the builder keeps them.
     */
    boolean allowsOrigin(String origin) {
        if (origin == null) {
            return false;
        }
        if (origins.contains(origin)) {
            return true;
        }
        for (Pattern pattern : originPatterns) {
            if (pattern.matcher(origin).matches()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public CompletionStage<Response> filter(Request request, Chain chain) {
        List<String> originValues = request.headers().getAll("Origin");
        if (originValues.isEmpty()) {
            return chain.proceed(request);
        }
        String origin = originValues.size() == 1 ? originValues.get(0) : null;
        boolean allowed = allowsOrigin(origin);
        if (request.method().equals("OPTIONS") && request.headers().contains(REQUEST_METHOD)) {
            return CompletableFuture.completedFuture(preflight(request, allowed ? origin : null));
        }
        return chain.proceed(request).thenApply(response -> actual(response, allowed ? origin : null));
    }

    /** Answers a preflight: 204 with CORS headers when everything asked for is allowed, else 403 without them. */
    private Response preflight(Request request, String origin) {
        String method = request.header(REQUEST_METHOD).trim();
        List<String> requested = new ArrayList<>();
        for (String value : request.headers().getAll(REQUEST_HEADERS)) {
            for (String name : value.split(",")) {
                if (!name.isBlank()) {
                    requested.add(name.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        String vary = "Origin, " + REQUEST_METHOD + ", " + REQUEST_HEADERS;
        if (origin == null || !methods.contains(method) || !headers.containsAll(requested)) {
            return GatewayException.forbidden("the CORS preflight is not allowed").toResponse().toBuilder()
                    .header("Vary", vary).build();
        }
        Response.Builder answer = Response.builder(204)
                .header(ALLOW_ORIGIN, origin)
                .header(ALLOW_METHODS, allowMethods)
                .header("Vary", vary);
        if (allowHeaders != null) {
            answer.header(ALLOW_HEADERS, allowHeaders);
        }
        if (credentials) {
            answer.header(ALLOW_CREDENTIALS, "true");
        }
        if (maxAge != null) {
            answer.header(MAX_AGE, maxAge);
        }
        return answer.build();
    }

    /** Replaces the CORS headers of an actual request's response with this filter's, or none for a refused origin. */
    private Response actual(Response response, String origin) {
        Response.Builder out = response.toBuilder();
        out.headers(h -> {
            RESPONSE_HEADERS.forEach(h::remove);
            if (origin != null) {
                h.set(ALLOW_ORIGIN, origin);
                if (credentials) {
                    h.set(ALLOW_CREDENTIALS, "true");
                }
                if (exposeHeaders != null) {
                    h.set(EXPOSE_HEADERS, exposeHeaders);
                }
            }
        });
        return varyOnOrigin(out, response.headers()).build();
    }

    /** Adds {@code Origin} to {@code Vary} unless it is listed already or {@code Vary} is {@code *}. */
    private static Response.Builder varyOnOrigin(Response.Builder out, Headers headers) {
        return Vary.lists(headers, "Origin") ? out : out.addHeader("Vary", "Origin");
    }

    /** A builder of {@link Cors}; methods default to {@code GET, HEAD, POST}, headers and exposed headers to none. */
    public static final class Builder {

        private final Set<String> origins = new LinkedHashSet<>();
        private final Set<String> patterns = new LinkedHashSet<>();
        private Set<String> methods = new LinkedHashSet<>(List.of("GET", "HEAD", "POST"));
        private boolean methodsSet;
        private final Set<String> headers = new LinkedHashSet<>();
        private final Set<String> exposeHeaders = new LinkedHashSet<>();
        private boolean credentials;
        private Duration maxAge;

        private Builder() {
        }

        /** Allows this exact origin, {@code scheme://host[:port]} such as {@code https://app.example}. */
        public Builder allowOrigin(String origin) {
            origins.add(origin(origin, "origin", false));
            return this;
        }

        /**
         * Allows the origins this pattern matches, where each {@code *} stands for one or more letters, digits or
         * hyphens inside one DNS label: {@code https://*.example.com} matches {@code https://app.example.com}, not
         * {@code https://a.b.example.com}; the pattern is compiled at {@code build()}.
         */
        public Builder allowOriginPattern(String pattern) {
            patterns.add(origin(pattern, "originPattern", true));
            return this;
        }

        /** Sets the methods a preflight may ask for, replacing the default {@code GET, HEAD, POST}. */
        public Builder allowMethods(String... methods) {
            Objects.requireNonNull(methods, "methods");
            if (!methodsSet) {
                this.methods = new LinkedHashSet<>();
                methodsSet = true;
            }
            for (String method : methods) {
                this.methods.add(token(method, "method").toUpperCase(Locale.ROOT));
            }
            return this;
        }

        /** Adds request headers a preflight may ask for, such as {@code Authorization}; compared in any case. */
        public Builder allowHeaders(String... headers) {
            Objects.requireNonNull(headers, "headers");
            for (String header : headers) {
                this.headers.add(token(header, "header"));
            }
            return this;
        }

        /** Adds response headers the browser lets the page read, in {@code Access-Control-Expose-Headers}. */
        public Builder exposeHeaders(String... headers) {
            Objects.requireNonNull(headers, "headers");
            for (String header : headers) {
                this.exposeHeaders.add(token(header, "exposeHeader"));
            }
            return this;
        }

        /** Lets the browser send cookies and credentials: {@code Access-Control-Allow-Credentials: true}. */
        public Builder allowCredentials(boolean allowCredentials) {
            this.credentials = allowCredentials;
            return this;
        }

        /** Sets how long a browser may cache a preflight answer, in {@code Access-Control-Max-Age} (whole seconds). */
        public Builder maxAge(Duration maxAge) {
            Objects.requireNonNull(maxAge, "maxAge");
            if (maxAge.isNegative()) {
                throw new IllegalArgumentException("maxAge: " + maxAge + " (expected: >= 0)");
            }
            this.maxAge = maxAge;
            return this;
        }

        /** Returns the filter, with its origin patterns compiled; throws when no origin is allowed. */
        public Cors build() {
            if (origins.isEmpty() && patterns.isEmpty()) {
                throw new IllegalArgumentException("origins: none (expected: allowOrigin or allowOriginPattern)");
            }
            if (methods.isEmpty()) {
                throw new IllegalArgumentException("methods: none (expected: at least one)");
            }
            List<Pattern> compiled = new ArrayList<>();
            for (String pattern : patterns) {
                compiled.add(compile(pattern));
            }
            return new Cors(this, compiled.toArray(new Pattern[0]));
        }

        private static Pattern compile(String pattern) {
            StringBuilder regex = new StringBuilder();
            int from = 0;
            for (int star = pattern.indexOf('*'); star >= 0; star = pattern.indexOf('*', from)) {
                regex.append(Pattern.quote(pattern.substring(from, star))).append("[a-z0-9-]+");
                from = star + 1;
            }
            return Pattern.compile(regex.append(Pattern.quote(pattern.substring(from))).toString());
        }

        /** Checks an origin or origin pattern, {@code scheme://host[:port]}, and returns it in lower case. */
        private static String origin(String value, String name, boolean pattern) {
            Objects.requireNonNull(value, name);
            String lower = value.toLowerCase(Locale.ROOT);
            int schemeEnd = lower.indexOf("://");
            String scheme = schemeEnd < 0 ? "" : lower.substring(0, schemeEnd);
            String authority = schemeEnd < 0 ? "" : lower.substring(schemeEnd + 3);
            int colon = authority.lastIndexOf(':');
            String host = colon < 0 || authority.endsWith("]") ? authority : authority.substring(0, colon);
            String port = colon < 0 || authority.endsWith("]") ? "" : authority.substring(colon + 1);
            boolean ok = (scheme.equals("http") || scheme.equals("https"))
                    && !host.isEmpty() && host.chars().allMatch(c -> c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                            || c == '-' || c == '.' || c == '[' || c == ']' || c == ':' || pattern && c == '*')
                    && port.chars().allMatch(c -> c >= '0' && c <= '9') && (colon < 0 || !port.isEmpty()
                            || authority.endsWith("]"));
            if (!ok) {
                throw new IllegalArgumentException(name + ": " + value
                        + " (expected: scheme://host[:port] with scheme http or https and no path)");
            }
            if (pattern) {
                int lastStar = host.lastIndexOf('*');
                if (lastStar < 0) {
                    throw new IllegalArgumentException(name + ": " + value + " (expected: a '*' in the host)");
                }
                int dot = host.indexOf('.', lastStar);
                String fixed = dot < 0 ? "" : host.substring(dot + 1);
                if (fixed.indexOf('.') < 0 || fixed.startsWith(".") || fixed.endsWith(".")) {
                    throw new IllegalArgumentException(name + ": " + value
                            + " (expected: at least two fixed labels after the last '*', as in https://*.example.com)");
                }
            }
            return lower;
        }

        private static String token(String value, String name) {
            Objects.requireNonNull(value, name);
            boolean ok = !value.isEmpty() && value.chars().allMatch(c -> c > ' ' && c < 0x7f
                    && "\"(),/:;<=>?@[\\]{}*".indexOf(c) < 0);
            if (!ok) {
                throw new IllegalArgumentException(name + ": " + value + " (expected: an HTTP token)");
            }
            return value;
        }
    }
}
