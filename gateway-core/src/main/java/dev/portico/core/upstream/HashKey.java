package dev.portico.core.upstream;

import dev.portico.core.Context;
import dev.portico.core.Request;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * What a {@linkplain LoadBalancer#consistentHash(HashKey) consistent hash} balancer hashes: a value of the request,
 * or {@code null} when it has none (the call is then balanced round robin). Quick and non-blocking, like a balancer.
 */
@FunctionalInterface
public interface HashKey {

    /** Returns the key of this request, or {@code null}. */
    String of(Request request, Context context);

    /** Returns the key in the first value of this request header. */
    static HashKey header(String name) {
        Objects.requireNonNull(name, "name");
        return (request, context) -> request.header(name);
    }

    /** Returns the key in this cookie of the request's {@code Cookie} header. */
    static HashKey cookie(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf(';') >= 0) {
            throw new IllegalArgumentException("cookie: " + name + " (expected: a cookie name)");
        }
        return (request, context) -> cookie(request.header("Cookie"), name);
    }

    /** Returns the key in the client's IP address ({@link Context#clientAddress()}). */
    static HashKey clientAddress() {
        return (request, context) -> {
            InetSocketAddress client = context.clientAddress();
            return client == null || client.getAddress() == null ? null : client.getAddress().getHostAddress();
        };
    }

    private static String cookie(String header, String name) {
        if (header == null) {
            return null;
        }
        int at = 0;
        int length = header.length();
        while (at < length) {
            while (at < length && (header.charAt(at) == ' ' || header.charAt(at) == ';')) {
                at++;
            }
            int end = header.indexOf(';', at);
            if (end < 0) {
                end = length;
            }
            if (header.startsWith(name, at) && at + name.length() < end && header.charAt(at + name.length()) == '=') {
                return header.substring(at + name.length() + 1, end).trim();
            }
            at = end + 1;
        }
        return null;
    }
}
