package dev.portico.grpc.internal;

import dev.portico.core.GatewayException;
import io.grpc.Status;

/**
 * The HTTP status and error code of each gRPC status: the standard mapping (google.rpc.Code), except that the
 * codes meaning the upstream failed (CANCELLED, UNKNOWN, INTERNAL, DATA_LOSS) answer 502 as any upstream failure
 * of the gateway does; and which statuses are the service's answer rather than a failure of the call.
 */
public final class StatusMapping {

    private static final int MAX_MESSAGE = 1024;
    /** How grpc-java describes a message over a limit: the gateway's on a reply, a service's on the request. */
    private static final String OVERSIZED = "gRPC message exceeds maximum size";

    private StatusMapping() {
    }

    /** Returns the HTTP status for this gRPC status code. */
    public static int httpStatus(Status.Code code) {
        return switch (code) {
            case OK -> 200;
            case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
            case UNAUTHENTICATED -> 401;
            case PERMISSION_DENIED -> 403;
            case NOT_FOUND -> 404;
            case ALREADY_EXISTS, ABORTED -> 409;
            case RESOURCE_EXHAUSTED -> 429;
            case UNIMPLEMENTED -> 501;
            case UNAVAILABLE -> 503;
            case DEADLINE_EXCEEDED -> 504;
            case CANCELLED, UNKNOWN, INTERNAL, DATA_LOSS -> 502;
        };
    }

    /** Returns the gateway's error code for this gRPC status code. */
    public static String error(Status.Code code) {
        return switch (code) {
            case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> "bad_request";
            case UNAUTHENTICATED -> "unauthorized";
            case PERMISSION_DENIED -> "forbidden";
            case NOT_FOUND -> "not_found";
            case ALREADY_EXISTS, ABORTED -> "conflict";
            case RESOURCE_EXHAUSTED -> "too_many_requests";
            case UNIMPLEMENTED -> "not_implemented";
            case UNAVAILABLE -> "service_unavailable";
            case DEADLINE_EXCEEDED -> "gateway_timeout";
            case OK, CANCELLED, UNKNOWN, INTERNAL, DATA_LOSS -> "bad_gateway";
        };
    }

    /**
     * Returns whether this status is the service's answer, one it chose to tell its caller (the 4xx codes and
     * UNIMPLEMENTED), which passes to the client as a response, as an HTTP upstream's 4xx does; the others (and OK)
     * are failures of the call (UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, UNKNOWN, INTERNAL, DATA_LOSS).
     */
    public static boolean isAnswer(Status status) {
        if (oversized(status)) {
            return false;
        }
        return switch (status.getCode()) {
            case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE, UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND,
                 ALREADY_EXISTS, ABORTED, RESOURCE_EXHAUSTED, UNIMPLEMENTED -> true;
            case OK, UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, UNKNOWN, INTERNAL, DATA_LOSS -> false;
        };
    }

    /**
     * Returns whether grpc-java ended the call because a message was over a limit: a reply over the channel's inbound
     * limit (4 MiB, after decompression too), or the request over the service's. Either is a RESOURCE_EXHAUSTED that
     * no service chose to send, which the client must not take for a rate limit.
     */
    static boolean oversized(Status status) {
        String description = status.getDescription();
        return status.getCode() == Status.Code.RESOURCE_EXHAUSTED && description != null
                && description.contains(OVERSIZED);
    }

    /** Returns the gateway error for a call that ended with this status: its HTTP status, code and description. */
    public static GatewayException toException(Status status) {
        if (oversized(status)) {
            return GatewayException.badGateway("a gRPC message was larger than the gateway or the upstream accepts");
        }
        Status.Code code = status.getCode();
        return new GatewayException(httpStatus(code), error(code), message(status));
    }

    /**
     * Returns the message a client sees for this status: the upstream's description for the codes a service chooses
     * to tell its caller (4xx, UNIMPLEMENTED), bounded; a fixed sentence for the failures grpc-java may describe with
     * transport details (addresses, timings) that must not reach the client.
     */
    public static String message(Status status) {
        Status.Code code = status.getCode();
        switch (code) {
            case UNAVAILABLE:
                return "the gRPC upstream is unavailable";
            case DEADLINE_EXCEEDED:
                return "the gRPC upstream did not answer in time";
            case CANCELLED, UNKNOWN, INTERNAL, DATA_LOSS:
                return "the gRPC upstream failed (" + code + ")";
            default:
                break;
        }
        String description = status.getDescription();
        if (description == null || description.isBlank()) {
            return "upstream gRPC status " + code;
        }
        return description.length() <= MAX_MESSAGE ? description : description.substring(0, MAX_MESSAGE) + "...";
    }
}
