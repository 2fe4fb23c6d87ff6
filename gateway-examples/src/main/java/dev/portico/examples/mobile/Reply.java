package dev.portico.examples.mobile;

import java.util.Map;

/**
 * What a demo service answers: a status, a body that is written as JSON and extra response headers.
 *
 * @param status  the HTTP status
 * @param body    the value to serialize as JSON
 * @param headers extra response headers
 */
record Reply(int status, Object body, Map<String, String> headers) {

    /** The JSON error body {@code {"error","message"}}, the same shape as the gateway's own errors. */
    record ErrorBody(String error, String message) {
    }

    static Reply ok(Object body) {
        return new Reply(200, body, Map.of());
    }

    static Reply created(Object body) {
        return new Reply(201, body, Map.of());
    }

    static Reply error(int status, String error, String message) {
        return new Reply(status, new ErrorBody(error, message), Map.of());
    }

    static Reply badRequest(String message) {
        return error(400, "bad_request", message);
    }

    static Reply notFound(String message) {
        return error(404, "not_found", message);
    }

    static Reply methodNotAllowed(String method, String allow) {
        return new Reply(405, new ErrorBody("method_not_allowed",
                "method " + method + " is not allowed here (allowed: " + allow + ")"), Map.of("Allow", allow));
    }
}
