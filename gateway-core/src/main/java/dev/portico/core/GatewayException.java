package dev.portico.core;

import dev.portico.core.internal.http.Json;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * An error that the gateway answers itself, rendered once at the edge as JSON {@code {"error","message"}} (and
 * {@code "requestId"} when request ids are on) with its status and headers; the message is for clients, so it never carries internal detail.
 */
public class GatewayException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String error;
    private final transient Headers headers;

    /** Creates an error with this status, machine-readable code (such as {@code bad_request}) and message. */
    public GatewayException(int status, String error, String message) {
        this(status, error, message, Headers.empty());
    }

    /** Creates an error that also sets these response headers (such as {@code Allow} or {@code Retry-After}). */
    public GatewayException(int status, String error, String message, Headers headers) {
        super(Objects.requireNonNull(message, "message"), null, false, false);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("status: " + status + " (expected: 400-599)");
        }
        this.status = status;
        this.error = Objects.requireNonNull(error, "error");
        this.headers = Objects.requireNonNull(headers, "headers");
    }

    /** 400: the request is malformed or ambiguous. */
    public static GatewayException badRequest(String message) {
        return new GatewayException(400, "bad_request", message);
    }

    /**
     * 401: the request lacks valid credentials; {@code WWW-Authenticate} carries the challenge, such as
     * {@code Bearer realm="api"}.
     */
    public static GatewayException unauthorized(String challenge, String message) {
        Objects.requireNonNull(challenge, "challenge");
        return new GatewayException(401, "unauthorized", message, Headers.of("WWW-Authenticate", challenge));
    }

    /** 403: the client is known but may not do this. */
    public static GatewayException forbidden(String message) {
        return new GatewayException(403, "forbidden", message);
    }

    /** 404: no route matches the request. */
    public static GatewayException notFound(String message) {
        return new GatewayException(404, "not_found", message);
    }

    /** 405: a route matches the path but not the method; {@code Allow} lists the methods that would. */
    public static GatewayException methodNotAllowed(String method, Set<String> allowed) {
        String allow = String.join(", ", new TreeSet<>(allowed));
        return new GatewayException(405, "method_not_allowed",
                "method " + method + " is not allowed here (allowed: " + allow + ")", Headers.of("Allow", allow));
    }

    /** 413: the request body is larger than {@code maxBytes}. */
    public static GatewayException payloadTooLarge(long maxBytes) {
        return new GatewayException(413, "payload_too_large", "request body exceeds " + maxBytes + " bytes");
    }

    /** 429: the client sent too many requests; {@code Retry-After} gives the wait in whole seconds, rounded up. */
    public static GatewayException tooManyRequests(Duration retryAfter, String message) {
        return new GatewayException(429, "too_many_requests", message, retryAfter(retryAfter));
    }

    /** 502: the upstream could not be reached or gave no valid response. */
    public static GatewayException badGateway(String message) {
        return new GatewayException(502, "bad_gateway", message);
    }

    /** 503: the gateway or the upstream cannot take the request now. */
    public static GatewayException serviceUnavailable(String message) {
        return new GatewayException(503, "service_unavailable", message);
    }

    /**
     * 503 with {@code Retry-After} in whole seconds, rounded up: the upstream cannot take the request for that long
     * (an open circuit breaker).
     */
    public static GatewayException serviceUnavailable(Duration retryAfter, String message) {
        return new GatewayException(503, "service_unavailable", message, retryAfter(retryAfter));
    }

    private static Headers retryAfter(Duration retryAfter) {
        Objects.requireNonNull(retryAfter, "retryAfter");
        if (retryAfter.isNegative()) {
            throw new IllegalArgumentException("retryAfter: " + retryAfter + " (expected: >= 0)");
        }
        long seconds = retryAfter.getSeconds();
        if (retryAfter.getNano() > 0 && seconds < Long.MAX_VALUE) {
            seconds++;
        }
        return Headers.of("Retry-After", Long.toString(seconds));
    }

    /** 504: the upstream did not answer in time. */
    public static GatewayException gatewayTimeout(String message) {
        return new GatewayException(504, "gateway_timeout", message);
    }

    /** Returns the HTTP status, 400 to 599. */
    public int status() {
        return status;
    }

    /** Returns the machine-readable error code, such as {@code not_found}. */
    public String error() {
        return error;
    }

    /** Returns the extra response headers this error sets. */
    public Headers headers() {
        return headers;
    }

    /** Returns the JSON response that represents this error. */
    public Response toResponse() {
        return toResponse(null);
    }

    /**
     * Returns the JSON response that represents this error, {@code {"error","message","requestId"}}, for the request
     * with this id; a {@code null} id leaves {@code requestId} out.
     */
    public Response toResponse(String requestId) {
        Response response = requestId == null ? Response.error(status, error, getMessage())
                : Response.json(status, Json.error(error, getMessage(), requestId));
        return headers.size() == 0 ? response : response.toBuilder().headers(h -> headers.forEach(h::set)).build();
    }
}
