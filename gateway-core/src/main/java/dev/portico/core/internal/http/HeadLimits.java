package dev.portico.core.internal.http;

import dev.portico.core.Gateway;
import dev.portico.core.GatewayException;
import dev.portico.core.Headers;
import dev.portico.core.Request;

/**
 * The limits on a request's head that the gateway applies to every request, whichever adapter received it: the
 * target's length (414) and the head's size and field count (431, the gateway's {@code maxHeaderSize} and
 * {@code maxHeaderCount}).
 */
public final class HeadLimits {

    /** The longest request target accepted, as nginx's default large header buffer; longer gets 414. */
    public static final int MAX_TARGET = 8 * 1024;

    private HeadLimits() {
    }

    /** Returns why the request's head is refused, or {@code null} when it is within the limits. */
    public static GatewayException refusal(Gateway gateway, Request request) {
        String query = request.rawQuery();
        long target = request.rawPath().length() + (query == null ? 0 : query.length() + 1);
        if (target > MAX_TARGET) {
            return new GatewayException(414, "uri_too_long", "the request target exceeds " + MAX_TARGET + " bytes");
        }
        Headers headers = request.headers();
        long size = target + 16;
        for (int i = 0; i < headers.size(); i++) {
            size += headers.name(i).length() + headers.value(i).length() + 4;
        }
        if (size > gateway.maxHeaderSize()) {
            return new GatewayException(431, "request_header_fields_too_large",
                    "request headers exceed " + gateway.maxHeaderSize() + " bytes");
        }
        if (headers.size() > gateway.maxHeaderCount()) {
            return new GatewayException(431, "request_header_fields_too_large",
                    "request has more than " + gateway.maxHeaderCount() + " header fields");
        }
        return null;
    }
}
