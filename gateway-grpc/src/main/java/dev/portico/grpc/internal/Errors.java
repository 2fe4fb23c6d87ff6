package dev.portico.grpc.internal;

import com.google.gson.JsonObject;
import dev.portico.core.GatewayException;
import dev.portico.core.Headers;
import io.grpc.Metadata;
import io.grpc.Status;

/** The gateway errors of failed calls. */
final class Errors {

    private Errors() {
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

    /** Returns the gateway's JSON {@code {"error","message"}} for a call that closed with this status. */
    static String json(Status status) {
        JsonObject error = new JsonObject();
        error.addProperty("error", StatusMapping.error(status.getCode()));
        error.addProperty("message", StatusMapping.message(status));
        return error.toString();
    }
}
