package dev.portico.core.internal.observe;

import io.opentelemetry.api.common.AttributeKey;

import java.util.Locale;
import java.util.Set;

/** The attribute keys Portico records: the stable HTTP semantic conventions' and its own {@code portico.*}. */
final class Semconv {

    private static final String OTHER = "_OTHER";

    static final AttributeKey<String> HTTP_REQUEST_METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<String> HTTP_REQUEST_METHOD_ORIGINAL = AttributeKey.stringKey("http.request.method_original");
    static final AttributeKey<String> HTTP_ROUTE = AttributeKey.stringKey("http.route");
    static final AttributeKey<Long> HTTP_RESPONSE_STATUS_CODE = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<Long> HTTP_REQUEST_RESEND_COUNT = AttributeKey.longKey("http.request.resend_count");
    static final AttributeKey<String> URL_SCHEME = AttributeKey.stringKey("url.scheme");
    static final AttributeKey<String> NETWORK_PROTOCOL_VERSION = AttributeKey.stringKey("network.protocol.version");
    static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
    static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> UPSTREAM = AttributeKey.stringKey("portico.upstream");
    static final AttributeKey<String> ROUTE_ID = AttributeKey.stringKey("portico.route.id");
    static final AttributeKey<String> ERROR = AttributeKey.stringKey("portico.error");
    static final AttributeKey<Boolean> CANCELLED = AttributeKey.booleanKey("portico.cancelled");
    static final AttributeKey<Boolean> PARTIAL = AttributeKey.booleanKey("portico.aggregation.partial");
    static final AttributeKey<String> BREAKER_STATE = AttributeKey.stringKey("portico.circuit_breaker.state");
    static final AttributeKey<String> INSTANCE_STATE = AttributeKey.stringKey("portico.instance.state");

    private static final Set<String> KNOWN_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT",
            "OPTIONS", "TRACE", "PATCH");

    private Semconv() {
    }

    /** Returns the method as the conventions record it: a known method as it is, any other as {@code _OTHER}. */
    static String method(String method) {
        return KNOWN_METHODS.contains(method) ? method : OTHER;
    }

    /** Returns how a span name starts for a method as {@link #method} records it: {@code HTTP} for {@code _OTHER}. */
    static String spanName(String method) {
        return method.equals(OTHER) ? "HTTP" : method;
    }

    /** Returns an {@code error.type} for this status: the status itself from 500 on, else {@code null}. */
    static String errorType(int status) {
        return status >= 500 ? Integer.toString(status) : null;
    }

    /** Returns an {@code error.type} naming this failure's class. */
    static String errorType(Throwable failure) {
        return failure.getClass().getName();
    }

    static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
