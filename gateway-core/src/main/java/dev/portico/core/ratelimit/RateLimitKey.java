package dev.portico.core.ratelimit;

import dev.portico.core.Context;
import dev.portico.core.Request;
import dev.portico.core.Route;
import dev.portico.core.auth.Principal;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Says whose budget a request spends: the key of its bucket, or {@code null} when this limit does not apply to the
 * request. Keys must not block; the built-in ones carry a prefix ({@code ip:}, {@code sub:}, {@code hdr:},
 * {@code route:}) so that keys of different kinds never collide.
 *
 * <pre>{@code
 * RateLimitKey perTenant = (request, context) -> request.header("X-Tenant");
 * }</pre>
 */
@FunctionalInterface
public interface RateLimitKey {

    /** Returns the key of the request's bucket, or {@code null} when the request is not limited by this key. */
    String key(Request request, Context context);

    /**
     * Returns a key that is this one, or {@code fallback}'s when this one is {@code null}: {@code
     * subject().or(clientIp())} counts authenticated callers per subject and everyone else per address.
     */
    default RateLimitKey or(RateLimitKey fallback) {
        Objects.requireNonNull(fallback, "fallback");
        return (request, context) -> {
            String key = key(request, context);
            return key != null ? key : fallback.key(request, context);
        };
    }

    /**
     * Returns the key of the client's address, {@link Context#clientAddress()}: the peer's, or, when the peer is a
     * trusted proxy, the one its {@code X-Forwarded-For} names, so a client cannot change its key by sending that
     * header itself.
     */
    static RateLimitKey clientIp() {
        return (request, context) -> {
            InetSocketAddress client = context.clientAddress();
            if (client == null) {
                return null;
            }
            return client.getAddress() != null ? "ip:" + client.getAddress().getHostAddress()
                    : "ip:" + client.getHostString();
        };
    }

    /**
     * Returns the key of the authenticated caller ({@link Principal#of}): its scheme and subject, so a JWT's
     * {@code sub} and an API key's name never share a bucket; {@code null} when the request is not authenticated.
     */
    static RateLimitKey subject() {
        return (request, context) -> {
            Principal principal = Principal.of(context);
            return principal == null ? null : "sub:" + principal.scheme() + ':' + principal.subject();
        };
    }

    /** Returns {@link #subject()}, or {@link #clientIp()} for a request that is not authenticated. */
    static RateLimitKey subjectOrClientIp() {
        return subject().or(clientIp());
    }

    /** Returns the key of a header's first value; {@code null} when the request has no such header. */
    static RateLimitKey header(String name) {
        Objects.requireNonNull(name, "name");
        String prefix = "hdr:" + name + ':';
        return (request, context) -> {
            String value = request.header(name);
            return value == null ? null : prefix + value;
        };
    }

    /**
     * Returns the key of the matched route ({@link Route#id()}): one budget per route shared by every caller;
     * {@code null} before routing, in an edge filter.
     */
    static RateLimitKey route() {
        return (request, context) -> {
            Route route = context.route();
            return route == null ? null : "route:" + route.id();
        };
    }
}
