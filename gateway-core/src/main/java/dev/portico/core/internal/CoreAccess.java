package dev.portico.core.internal;

import dev.portico.core.Body;
import dev.portico.core.Gateway;
import dev.portico.core.GatewayException;
import dev.portico.core.Headers;
import dev.portico.core.Request;
import dev.portico.core.spi.GatewayExchange;
import dev.portico.core.spi.UpstreamClient;

import java.net.InetSocketAddress;

/**
 * Package-private parts of {@code dev.portico.core} that other core packages need, registered by their owner as it
 * initializes (the JDK's "shared secrets" pattern), so that they stay off the public API.
 */
public final class CoreAccess {

    private static volatile RequestAccess requests;
    private static volatile GatewayAccess gateways;

    private CoreAccess() {
    }

    /** What {@link Request} opens to the rest of core. */
    public interface RequestAccess {

        /** Returns a request whose raw path is taken unchecked and stands for its path until the gateway decodes it. */
        Request received(String method, String rawPath, String rawQuery, String scheme, Headers headers, Body body);
    }

    /** Registers {@link Request}'s access; called once, by {@link Request} as it initializes. */
    public static void requests(RequestAccess access) {
        requests = access;
    }

    /** Returns {@link Request}'s access, initializing {@link Request} first if needed. */
    public static RequestAccess requests() {
        RequestAccess access = requests;
        if (access == null) {
            initialize(Request.class);
            access = requests;
        }
        return access;
    }

    /** What {@link Gateway} opens to server adapters through the SPI. */
    public interface GatewayAccess {

        /** Starts one client request through a gateway; a non-null {@code refusal} is answered after the edge filters. */
        GatewayExchange exchange(Gateway gateway, Request request, InetSocketAddress peer, InetSocketAddress local,
                                 UpstreamClient client, GatewayException refusal);
    }

    /** Registers {@link Gateway}'s access; called once, by {@link Gateway} as it initializes. */
    public static void gateways(GatewayAccess access) {
        gateways = access;
    }

    /** Returns {@link Gateway}'s access, initializing {@link Gateway} first if needed. */
    public static GatewayAccess gateways() {
        GatewayAccess access = gateways;
        if (access == null) {
            initialize(Gateway.class);
            access = gateways;
        }
        return access;
    }

    private static void initialize(Class<?> type) {
        try {
            Class.forName(type.getName(), true, type.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
