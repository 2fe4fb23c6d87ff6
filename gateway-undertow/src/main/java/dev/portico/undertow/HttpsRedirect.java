package dev.portico.undertow;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

import java.net.InetSocketAddress;

/**
 * The handler of a cleartext listener that only redirects: every request gets a {@code 308} to the same target on
 * the HTTPS port, which keeps the method and body. The host is the request's when it is a plain name or address,
 * else the listener's own address, so a forged {@code Host} cannot smuggle a path or credentials into the location.
 */
final class HttpsRedirect implements HttpHandler {

    private final int httpsPort;

    HttpsRedirect(int httpsPort) {
        this.httpsPort = httpsPort;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        String host = exchange.getHostName();
        if (!plainHost(host)) {
            host = exchange.getConnection().getLocalAddress(InetSocketAddress.class).getAddress().getHostAddress();
        }
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            host = '[' + host + ']';
        }
        String query = exchange.getQueryString();
        String location = "https://" + host + (httpsPort == 443 ? "" : ":" + httpsPort) + exchange.getRequestPath()
                + (query.isEmpty() ? "" : "?" + query);
        exchange.setStatusCode(308);
        exchange.getResponseHeaders().put(Headers.LOCATION, location);
        exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, 0);
        exchange.endExchange();
    }

    /** Returns whether a host is a DNS name, an IPv4 address or a bracketed IPv6 one, and nothing else. */
    private static boolean plainHost(String host) {
        if (host == null || host.isEmpty() || host.length() > 255) {
            return false;
        }
        boolean bracketed = host.charAt(0) == '[' && host.charAt(host.length() - 1) == ']';
        for (int i = bracketed ? 1 : 0; i < host.length() - (bracketed ? 1 : 0); i++) {
            char c = host.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
                    || bracketed && c == ':';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
