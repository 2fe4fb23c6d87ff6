package dev.portico.core.version;

import dev.portico.core.Chain;
import dev.portico.core.Filter;
import dev.portico.core.GatewayException;
import dev.portico.core.Headers;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.internal.http.Vary;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

/**
 * An edge filter that resolves each request's API version once, from the path, a header or the {@code Accept} media
 * type, answers 400 for an unknown or conflicting one, and forwards the version in a header that
 * {@link #is(String) route predicates} read; responses of a deprecated version carry its deprecation headers.
 *
 * <p>Versions are named like {@code 1}, {@code 2.1} or {@code 2025-01-01}. In a path the version is the segment
 * after the prefix, written {@code v<version>} ({@code /api/v1/products}); a segment there that is not {@code v}
 * and a digit is no version. In a header it is the value ({@code API-Version: 1}); in a media type, the suffix
 * {@code .v<version>} of the type ({@code Accept: application/vnd.example.v2+json}). Sources that name a version must
 * agree; a request that names none gets the default version. The resolved version replaces any value the client sent
 * in the forwarded header, and responses {@code Vary} by the header and {@code Accept} sources.
 *
 * <pre>{@code
 * ApiVersions versions = ApiVersions.builder()
 *         .header("API-Version")
 *         .versions("1", "2")
 *         .defaultVersion("2")
 *         .build();
 * Gateway.builder()
 *         .edgeFilter(versions)
 *         .route(Route.get("/api/products/{id}").id("products-v1").matching(versions.is("1")).to(legacy))
 *         .route(Route.get("/api/products/{id}").to(products));
 * }</pre>
 */
public final class ApiVersions implements Filter {

    private static final int SHOWN = 32;

    private final String pathPrefix;
    private final String header;
    private final String mediaPrefix;
    private final String forward;
    private final Set<String> versions;
    private final Map<String, Deprecation> deprecated;
    private final String supported;
    private final String defaultVersion;
    private final String[] vary;

    private ApiVersions(Builder b) {
        this.pathPrefix = b.pathPrefix == null ? null : b.pathPrefix.equals("/") ? "/" : b.pathPrefix + '/';
        this.header = b.header;
        this.mediaPrefix = b.mediaType == null ? null : b.mediaType + ".v";
        this.forward = b.header != null ? b.header : "API-Version";
        this.versions = Set.copyOf(b.versions);
        this.deprecated = Map.copyOf(b.deprecated);
        this.supported = String.join(", ", b.versions);
        this.defaultVersion = b.defaultVersion;
        this.vary = b.header == null ? b.mediaType == null ? new String[0] : new String[] {"Accept"}
                : b.mediaType == null ? new String[] {b.header} : new String[] {b.header, "Accept"};
    }

    /** Returns a new builder with no source and no version yet. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a route predicate that holds when the request's resolved version is this one; it reads the forwarded
     * header, so it needs this filter among the gateway's edge filters.
     */
    public Predicate<Request> is(String version) {
        Objects.requireNonNull(version, "version");
        if (!versions.contains(version)) {
            throw new IllegalArgumentException("version: " + version + " (expected: one of " + supported + ')');
        }
        return request -> version.equals(request.header(forward));
    }

    @Override
    public CompletionStage<Response> filter(Request request, Chain chain) {
        String version;
        try {
            version = resolve(request);
        } catch (GatewayException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletionStage<Response> answer = chain.proceed(request.toBuilder().header(forward, version).build());
        Deprecation deprecation = deprecated.get(version);
        if (deprecation == null && vary.length == 0) {
            return answer;
        }
        return answer.thenApply(response -> varied(deprecation == null ? response : deprecation.mark(response)));
    }

    private String resolve(Request request) {
        String found = pathPrefix == null ? null : fromPath(request.path());
        Headers headers = request.headers();
        for (int i = 0; i < headers.size() && (header != null || mediaPrefix != null); i++) {
            String name = headers.name(i);
            if (header != null && name.equalsIgnoreCase(header)) {
                found = agree(found, headers.value(i).trim());
            } else if (mediaPrefix != null && name.equalsIgnoreCase("Accept")) {
                found = fromAccept(headers.value(i), found);
            }
        }
        if (found == null) {
            return defaultVersion;
        }
        if (!versions.contains(found)) {
            throw new GatewayException(400, "unsupported_api_version",
                    "unsupported API version " + shown(found) + " (supported: " + supported + ')');
        }
        return found;
    }

    private String fromPath(String path) {
        if (!path.startsWith(pathPrefix) || path.length() < pathPrefix.length() + 2) {
            return null;
        }
        int start = pathPrefix.length();
        if (path.charAt(start) != 'v' || !isDigit(path.charAt(start + 1))) {
            return null;
        }
        int end = path.indexOf('/', start);
        return path.substring(start + 1, end < 0 ? path.length() : end);
    }

    /** Reads the versions that the media ranges of one {@code Accept} value name, checking that they agree. */
    private String fromAccept(String accept, String found) {
        int at = 0;
        while (at < accept.length()) {
            while (at < accept.length() && (accept.charAt(at) == ' ' || accept.charAt(at) == ',')) {
                at++;
            }
            int end = accept.indexOf(',', at);
            if (end < 0) {
                end = accept.length();
            }
            if (accept.regionMatches(true, at, mediaPrefix, 0, mediaPrefix.length())) {
                int start = at + mediaPrefix.length();
                int stop = start;
                while (stop < end && "+; \t".indexOf(accept.charAt(stop)) < 0) {
                    stop++;
                }
                found = agree(found, accept.substring(start, stop));
            }
            at = end;
        }
        return found;
    }

    private static String agree(String found, String named) {
        if (found != null && !found.equals(named)) {
            throw GatewayException.badRequest("the request names two API versions: " + shown(found) + " and " + shown(named));
        }
        return named;
    }

    private static String shown(String version) {
        return version.length() > SHOWN ? version.substring(0, SHOWN) + "..." : version;
    }

    private Response varied(Response response) {
        Response.Builder out = null;
        for (String name : vary) {
            if (!Vary.lists(response.headers(), name)) {
                out = out == null ? response.toBuilder() : out;
                out.addHeader("Vary", name);
            }
        }
        return out == null ? response : out.build();
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** A builder of {@link ApiVersions}: at least one source, the versions, and the default. */
    public static final class Builder {

        private String pathPrefix;
        private String header;
        private String mediaType;
        private final Set<String> versions = new LinkedHashSet<>();
        private final Map<String, Deprecation> deprecated = new LinkedHashMap<>();
        private String defaultVersion;

        private Builder() {
        }

        /** Reads the version from the path segment after this prefix, such as {@code /api} for {@code /api/v1/...}. */
        public Builder path(String prefix) {
            Objects.requireNonNull(prefix, "prefix");
            if (!prefix.startsWith("/") || prefix.length() > 1 && prefix.endsWith("/")) {
                throw new IllegalArgumentException("prefix: " + prefix + " (expected: starts with '/', no trailing '/')");
            }
            this.pathPrefix = prefix;
            return this;
        }

        /** Reads the version from this request header, such as {@code API-Version}, and forwards it there. */
        public Builder header(String name) {
            Headers.of(name, "");
            this.header = name;
            return this;
        }

        /**
         * Reads the version from {@code Accept} media types that extend this one with {@code .v<version>}, such as
         * {@code application/vnd.example} for {@code application/vnd.example.v2+json}.
         */
        public Builder mediaType(String type) {
            Objects.requireNonNull(type, "type");
            int slash = type.indexOf('/');
            if (slash <= 0 || slash == type.length() - 1 || type.indexOf('+') >= 0 || type.indexOf(';') >= 0
                    || type.indexOf(' ') >= 0) {
                throw new IllegalArgumentException("type: " + type + " (expected: type/subtype without suffix or parameters)");
            }
            this.mediaType = type.toLowerCase(Locale.ROOT);
            return this;
        }

        /** Adds supported versions, such as {@code "1", "2"}. */
        public Builder versions(String... names) {
            for (String name : names) {
                versions.add(checkName(name));
            }
            return this;
        }

        /** Adds a supported version whose responses carry this deprecation's headers. */
        public Builder deprecated(String name, Deprecation deprecation) {
            versions.add(checkName(name));
            deprecated.put(name, Objects.requireNonNull(deprecation, "deprecation"));
            return this;
        }

        /** Sets the version of requests that name none; it must be supported. */
        public Builder defaultVersion(String name) {
            this.defaultVersion = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Returns the filter, or throws {@link IllegalArgumentException} naming what is missing. */
        public ApiVersions build() {
            if (pathPrefix == null && header == null && mediaType == null) {
                throw new IllegalArgumentException("sources: none (expected: path, header or mediaType)");
            }
            if (defaultVersion == null || !versions.contains(defaultVersion)) {
                throw new IllegalArgumentException("defaultVersion: " + defaultVersion
                        + " (expected: one of the versions " + versions + ')');
            }
            return new ApiVersions(this);
        }

        private static String checkName(String name) {
            Objects.requireNonNull(name, "name");
            boolean valid = !name.isEmpty() && isDigit(name.charAt(0));
            for (int i = 0; i < name.length() && valid; i++) {
                char c = name.charAt(i);
                valid = isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '-' || c == '_';
            }
            if (!valid) {
                throw new IllegalArgumentException("version: " + name
                        + " (expected: a digit, then letters, digits, '.', '-' or '_', such as 1 or 2.1)");
            }
            return name;
        }
    }
}
