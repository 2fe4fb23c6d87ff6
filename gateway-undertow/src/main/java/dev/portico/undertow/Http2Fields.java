package dev.portico.undertow;

import dev.portico.core.GatewayException;
import dev.portico.core.internal.http.FieldValues;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;

/**
 * The field rules an HTTP/1.1 head is held to by Undertow's parser, applied to an HTTP/2 stream's decoded header
 * list, which HPACK lets carry any octet: names are tokens, values hold no control character and no leading or
 * trailing white space (RFC 9113 8.2.1), and {@code :authority} (read as {@code Host}) is a host and port.
 */
final class Http2Fields {

    private Http2Fields() {
    }

    /** Returns the 400 for a stream whose header list breaks the rules, or {@code null}. */
    static GatewayException refusal(HttpServerExchange exchange) {
        for (HeaderValues values : exchange.getRequestHeaders()) {
            String name = values.getHeaderName().toString();
            if (!FieldValues.isToken(name)) {
                return GatewayException.badRequest("a header name is not an HTTP token");
            }
            for (int i = 0; i < values.size(); i++) {
                if (!acceptable(values.get(i))) {
                    return GatewayException.badRequest("the value of " + name + " holds a control character or "
                            + "white space at an end");
                }
            }
        }
        String host = exchange.getRequestHeaders().getFirst(Headers.HOST);
        if (host != null && !isAuthority(host)) {
            return GatewayException.badRequest("the request's authority is not a host and port");
        }
        return null;
    }

    /** Returns whether a field is one the gateway forwards: the rules' failures are refused, not passed on. */
    static boolean acceptable(String name, String value) {
        return FieldValues.isToken(name) && acceptable(value);
    }

    private static boolean acceptable(String value) {
        int last = value.length() - 1;
        return (last < 0 || !isBlank(value.charAt(0)) && !isBlank(value.charAt(last))) && FieldValues.isSafe(value);
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    /** Returns whether a value is {@code host[:port]}: a registered name, IPv4 or bracketed IPv6, and digits. */
    private static boolean isAuthority(String value) {
        if (value.isEmpty()) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~:[]%".indexOf(c) >= 0)) {
                return false;
            }
        }
        return true;
    }
}
