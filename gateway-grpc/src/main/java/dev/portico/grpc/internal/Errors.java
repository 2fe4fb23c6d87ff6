package dev.portico.grpc.internal;

import com.google.gson.JsonObject;
import dev.portico.core.GatewayException;
import dev.portico.core.Headers;
import dev.portico.core.Response;
import io.grpc.Metadata;
import io.grpc.Status;

import java.util.concurrent.CompletableFuture;

/** The answers and gateway errors of failed calls. */
final class Errors {

    private Errors() {
    }

    /**
     * Completes a call's response with what its status means: the JSON error response, with the request id, of a
     * status that is the service's answer ({@link StatusMapping#isAnswer}), as core would render its error; the gateway
     * error of any other. Either carries the exposed metadata as headers.
     */
    static void complete(CompletableFuture<Response> response, Status status, MetadataMapping mapping, Metadata headers,
                         Metadata trailers, String requestId) {
        GatewayException error = of(status, mapping, headers, trailers);
        if (StatusMapping.isAnswer(status)) {
            response.complete(error.toResponse(requestId));
        } else {
            response.completeExceptionally(error);
        }
    }

    /** Returns the gateway error of a call that closed with this status, with the exposed metadata as headers. */
    static GatewayException of(Status status, MetadataMapping mapping, Metadata headers, Metadata trailers) {
        GatewayException error = StatusMapping.toException(status);
        if (!mapping.exposesAny()) {
            return error;
        }
        Headers.Builder exposed = Headers.builder();
        mapping.exposeTo(exposed, headers, trailers);
        return new GatewayException(error.status(), error.error(), error.getMessage(), exposed.build());
    }

    /**
     * Returns the gateway's JSON {@code {"error","message","requestId"}} for a call that closed with this status; a
     * {@code null} id leaves {@code requestId} out.
     */
    static String json(Status status, String requestId) {
        JsonObject error = new JsonObject();
        GatewayException failure = StatusMapping.toException(status);
        error.addProperty("error", failure.error());
        error.addProperty("message", failure.getMessage());
        if (requestId != null) {
            error.addProperty("requestId", requestId);
        }
        return error.toString();
    }
}
