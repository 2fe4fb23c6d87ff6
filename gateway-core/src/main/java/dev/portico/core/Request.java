package dev.portico.core;

import dev.portico.core.internal.CoreAccess;
import dev.portico.core.internal.http.Paths;
import dev.portico.core.internal.routing.Query;

import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * An immutable HTTP request as the gateway sees it: the method, the canonical decoded {@link #path()} that routing
 * uses, the raw path and query forwarded byte for byte, the headers and the body.
 *
 * <pre>{@code
 * Request rewritten = request.toBuilder().header("X-Tenant", "acme").build();
 * }</pre>
 */
public final class Request {

    private final String method;
    private final String scheme;
    private final String httpVersion;
    private final String rawPath;
    private final String path;
    private final String rawQuery;
    private final Headers headers;
    private final Body body;

    static {
        CoreAccess.requests((method, rawPath, rawQuery, scheme, httpVersion, headers, body) -> builder(method, "/")
                .paths(rawPath, rawPath).rawQuery(rawQuery).scheme(scheme).httpVersion(httpVersion).headers(headers)
                .body(body).build());
    }

    private Request(Builder b) {
        this.method = b.method;
        this.scheme = b.scheme;
        this.httpVersion = b.httpVersion;
        this.rawPath = b.rawPath;
        this.path = b.path != null ? b.path : Paths.decode(b.rawPath);
        this.rawQuery = b.rawQuery;
        this.headers = b.headers.build();
        this.body = b.body;
    }

    /** Returns a builder for a request with this method and raw (percent-encoded) path. */
    public static Builder builder(String method, String rawPath) {
        return new Builder().method(method).rawPath(rawPath);
    }

    /** Returns a builder that starts from this request. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Returns the method in upper case, such as {@code GET}. */
    public String method() {
        return method;
    }

    /** Returns {@code http} or {@code https}: how the client reached the gateway. */
    public String scheme() {
        return scheme;
    }

    /** Returns the HTTP version the client spoke, {@code 1.1} or {@code 2} for example; upstream calls speak their own. */
    public String httpVersion() {
        return httpVersion;
    }

    /** Returns the decoded path that routing matches, such as {@code /api/users/ann b}. */
    public String path() {
        return path;
    }

    /** Returns the path exactly as it will be forwarded, such as {@code /api/users/ann%20b}. */
    public String rawPath() {
        return rawPath;
    }

    /** Returns the raw query string without {@code ?}, or {@code null} when the target had none. */
    public String rawQuery() {
        return rawQuery;
    }

    /** Returns the first decoded value of a query parameter, or {@code null}. */
    public String queryParam(String name) {
        return Query.first(rawQuery, name);
    }

    /** Returns every decoded value of a query parameter, in order. */
    public List<String> queryParams(String name) {
        return Query.all(rawQuery, name);
    }

    /** Returns the headers. */
    public Headers headers() {
        return headers;
    }

    /** Returns the first value of a header, or {@code null}. */
    public String header(String name) {
        return headers.get(name);
    }

    /** Returns the body; streamed unless a filter buffered it. */
    public Body body() {
        return body;
    }

    /** Returns the raw path and query as sent in a request line, such as {@code /a%20b?x=1}. */
    public String target() {
        return rawQuery == null ? rawPath : rawPath + '?' + rawQuery;
    }

    @Override
    public String toString() {
        return method + ' ' + target();
    }

    /** A builder of {@link Request}. */
    public static final class Builder {

        private String method;
        private String scheme = "http";
        private String httpVersion = "1.1";
        private String rawPath;
        private String path;
        private String rawQuery;
        private final HeaderEditor headers;
        private Body body = Body.empty();

        private Builder() {
            headers = new HeaderEditor(Headers.empty());
        }

        private Builder(Request request) {
            method = request.method;
            scheme = request.scheme;
            httpVersion = request.httpVersion;
            rawPath = request.rawPath;
            path = request.path;
            rawQuery = request.rawQuery;
            headers = new HeaderEditor(request.headers);
            body = request.body;
        }

        /** Sets the method; it is upper-cased. */
        public Builder method(String method) {
            this.method = Paths.method(method);
            return this;
        }

        /** Sets the scheme the client used, {@code http} or {@code https}. */
        public Builder scheme(String scheme) {
            this.scheme = Objects.requireNonNull(scheme, "scheme");
            return this;
        }

        /** Sets the HTTP version the client spoke, such as {@code 1.1} (the default) or {@code 1.0}. */
        public Builder httpVersion(String httpVersion) {
            this.httpVersion = Objects.requireNonNull(httpVersion, "httpVersion");
            return this;
        }

        /** Sets the raw, percent-encoded path; the decoded path follows from it. */
        public Builder rawPath(String rawPath) {
            this.rawPath = Paths.checkRaw(rawPath);
            this.path = null;
            return this;
        }

        /** Sets the decoded path; the raw path becomes its percent-encoding. */
        public Builder path(String path) {
            this.rawPath = Paths.encode(Objects.requireNonNull(path, "path"));
            this.path = path;
            return this;
        }

        /** Sets the raw path together with the decoded path it is already known to mean, unchecked. */
        Builder paths(String rawPath, String path) {
            this.rawPath = Objects.requireNonNull(rawPath, "rawPath");
            this.path = Objects.requireNonNull(path, "path");
            return this;
        }

        /** Sets the raw query without {@code ?}; {@code null} for none. */
        public Builder rawQuery(String rawQuery) {
            this.rawQuery = rawQuery;
            return this;
        }

        /** Replaces all headers. */
        public Builder headers(Headers headers) {
            this.headers.replace(headers);
            return this;
        }

        /** Edits the headers in place, for several changes at once. */
        public Builder headers(Consumer<Headers.Builder> edit) {
            Objects.requireNonNull(edit, "edit").accept(headers.edit());
            return this;
        }

        /** Replaces every value of a header with this one. */
        public Builder header(String name, String value) {
            headers.edit().set(name, value);
            return this;
        }

        /** Appends a header value. */
        public Builder addHeader(String name, String value) {
            headers.edit().add(name, value);
            return this;
        }

        /** Removes every value of a header. */
        public Builder removeHeader(String name) {
            headers.edit().remove(name);
            return this;
        }

        /** Sets the body. */
        public Builder body(Body body) {
            this.body = Objects.requireNonNull(body, "body");
            return this;
        }

        /** Returns the request. */
        public Request build() {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(rawPath, "rawPath");
            return new Request(this);
        }
    }
}
