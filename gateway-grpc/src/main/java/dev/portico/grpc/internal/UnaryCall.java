package dev.portico.grpc.internal;

import com.google.protobuf.DynamicMessage;
import dev.portico.core.Body;
import dev.portico.core.GatewayException;
import dev.portico.core.Headers;
import dev.portico.core.Response;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The listener of a unary call: completes its response once the call closes, with the message as JSON and the
 * exposed headers and trailers, or with the JSON error or the gateway error of the call's status, and ends the call's
 * span, if any.
 */
public final class UnaryCall extends ClientCall.Listener<DynamicMessage> {

    private final CompletableFuture<Response> response = new CompletableFuture<>();
    private final int successStatus;
    private final Function<DynamicMessage, String> printer;
    private final MetadataMapping metadata;
    private final String requestId;
    private final RpcSpan span;
    private Metadata headers;
    private volatile boolean ended;
    private DynamicMessage message;

    /**
     * Creates the listener of a call made for the request with this id ({@code null} when ids are off), traced by
     * this span ({@code null} without telemetry).
     */
    public UnaryCall(int successStatus, Function<DynamicMessage, String> printer, MetadataMapping metadata,
                     String requestId, RpcSpan span) {
        this.successStatus = successStatus;
        this.printer = printer;
        this.metadata = metadata;
        this.requestId = requestId;
        this.span = span;
    }

    /** Returns the stage that completes when the call closes. */
    public CompletableFuture<Response> response() {
        return response;
    }

    @Override
    public void onHeaders(Metadata headers) {
        this.headers = headers;
    }

    @Override
    public void onMessage(DynamicMessage message) {
        this.message = message;
    }

    /** Returns whether the call has closed, so that cancelling it would do nothing. */
    public boolean isClosed() {
        return ended;
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
        ended = true;
        if (span != null) {
            span.end(status);
        }
        try {
            if (!status.isOk()) {
                Errors.complete(response, status, metadata, headers, trailers, requestId);
            } else if (message == null) {
                response.completeExceptionally(GatewayException.badGateway("the gRPC upstream sent no message"));
            } else {
                String json = printer.apply(message);
                Headers.Builder out = Headers.builder().set("Content-Type", "application/json");
                metadata.exposeTo(out, headers, trailers);
                response.complete(Response.builder(successStatus).headers(out.build()).body(Body.of(json)).build());
            }
        } catch (RuntimeException e) {
            response.completeExceptionally(e);
        }
    }
}
