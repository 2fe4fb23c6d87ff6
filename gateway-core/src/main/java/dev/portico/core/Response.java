package dev.portico.core;

import dev.portico.core.internal.http.Json;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * An immutable HTTP response: status, headers and a body that streams from the upstream unless a filter buffered it.
 *
 * <pre>{@code
 * Response ok = Response.json(200, "{\"status\":\"UP\"}");
 * }</pre>
 */
public final class Response {

    private final int status;
    private final Headers headers;
    private final Body body;

    private Response(int status, Headers headers, Body body) {
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    /** Returns a builder for a response with this status. */
    public static Builder builder(int status) {
        return new Builder(status, Headers.empty(), Body.empty());
    }

    /** Returns an empty response with this status. */
    public static Response of(int status) {
        return builder(status).build();
    }

    /** Returns a response with this status and a {@code text/plain; charset=utf-8} body. */
    public static Response text(int status, String text) {
        Objects.requireNonNull(text, "text");
        return builder(status).header("Content-Type", "text/plain; charset=utf-8").body(Body.of(text)).build();
    }

    /** Returns a response with this status and a JSON body given as text, sent as is. */
    public static Response json(int status, String json) {
        Objects.requireNonNull(json, "json");
        return builder(status).header("Content-Type", "application/json").body(Body.of(json)).build();
    }

    /**
     * Returns a response with this status and a JSON body serialized from this value with Gson; a {@link String},
     * whatever its static type, is taken as JSON text and sent as is, as by {@link #json(int, String)}.
     */
    public static Response json(int status, Object value) {
        Objects.requireNonNull(value, "value");
        return json(status, value instanceof String json ? json : Json.write(value));
    }

    /** Returns the gateway's JSON error response {@code {"error","message"}}. */
    public static Response error(int status, String error, String message) {
        return json(status, Json.error(error, message));
    }

    /** Returns a builder that starts from this response. */
    public Builder toBuilder() {
        return new Builder(status, headers, body);
    }

    /** Returns the status code. */
    public int status() {
        return status;
    }

    /** Returns the headers. */
    public Headers headers() {
        return headers;
    }

    /** Returns the first value of a header, or {@code null}. */
    public String header(String name) {
        return headers.get(name);
    }

    /** Returns the body. */
    public Body body() {
        return body;
    }

    @Override
    public String toString() {
        return "Response{" + status + ", " + headers + ", " + body + '}';
    }

    /** A builder of {@link Response}. */
    public static final class Builder {

        private int status;
        private final HeaderEditor headers;
        private Body body;

        private Builder(int status, Headers headers, Body body) {
            status(status);
            this.headers = new HeaderEditor(headers);
            this.body = body;
        }

        /** Sets the status, 100 to 599. */
        public Builder status(int status) {
            if (status < 100 || status > 599) {
                throw new IllegalArgumentException("status: " + status + " (expected: 100-599)");
            }
            this.status = status;
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

        /** Returns the response. */
        public Response build() {
            return new Response(status, headers.build(), body);
        }
    }
}
