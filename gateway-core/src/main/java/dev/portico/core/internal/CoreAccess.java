package dev.portico.core.internal;

import dev.portico.core.Body;
import dev.portico.core.Gateway;
import dev.portico.core.GatewayException;
import dev.portico.core.Headers;
import dev.portico.core.Request;
import dev.portico.core.TimeSource;
import dev.portico.core.spi.GatewayExchange;
import dev.portico.core.spi.UpstreamClient;
import dev.portico.core.upstream.Endpoint;
import dev.portico.core.upstream.Upstream;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Consumer;

/**
 * Package-private parts of {@code dev.portico.core} that other core packages need, registered by their owner as it
 * initializes (the JDK's "shared secrets" pattern), so that they stay off the public API.
 */
public final class CoreAccess {

    private static volatile RequestAccess requests;
    private static volatile GatewayAccess gateways;
    private static volatile UpstreamAccess upstreams;

    private CoreAccess() {
    }

    /** What {@link Request} opens to the rest of core. */
    public interface RequestAccess {

        /** Returns a request whose raw path is taken unchecked and stands for its path until the gateway decodes it. */
        Request received(String method, String rawPath, String rawQuery, String scheme, String httpVersion, Headers headers,
                         Body body);
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

        /**
         * Starts one client request through a gateway; a non-null {@code refusal} is answered after the edge filters,
         * and a non-null {@code time} replaces the gateway's time source for this request.
         */
        GatewayExchange exchange(Gateway gateway, Request request, InetSocketAddress peer, InetSocketAddress local,
                                 UpstreamClient client, GatewayException refusal, TimeSource time);

        /**
         * Tells a gateway that a server serves it from now until it is closed: the upstreams it routes to run their
         * discovery and health checks meanwhile, through {@code client}, and tell {@code retired} of each instance
         * that leaves them. Call it for a gateway before releasing the one it replaces, so shared upstreams go on.
         */
        void serve(Gateway gateway, UpstreamClient client, Consumer<Endpoint> retired);

        /**
         * Returns whether one of the upstreams a gateway routes to has this instance now: an instance retired from
         * one upstream (a swap that rebuilt it, a discovery that dropped it) may still be another's.
         */
        boolean routesTo(Gateway gateway, Endpoint endpoint);
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

    /** What {@link Upstream} opens to the rest of core: the leases of a served gateway, and its counts of calls and retries in flight. */
    public interface UpstreamAccess {

        /**
         * Takes a lease on an upstream for a served gateway: its discovery and health checks run while any lease is
         * held; closing the lease releases it.
         */
        AutoCloseable retain(Upstream upstream, UpstreamClient client, Consumer<Endpoint> retired);

        /** Counts one more call in flight; returns {@code false}, counting nothing, when that is over the cap. */
        boolean admit(Upstream upstream);

        /** Counts one call in flight less. */
        void release(Upstream upstream);

        /** Counts one more retry in flight when the retry budget allows it; returns whether it did. */
        boolean startRetry(Upstream upstream);

        /** Counts one retry in flight less. */
        void endRetry(Upstream upstream);

        /**
         * Replaces an upstream's instances, as its discovery would: a test harness points a gateway's upstreams at its
         * stub servers this way, and back when it is done.
         */
        void instances(Upstream upstream, List<Endpoint> endpoints);
    }

    /** Registers {@link Upstream}'s access; called once, by {@link Upstream} as it initializes. */
    public static void upstreams(UpstreamAccess access) {
        upstreams = access;
    }

    /** Returns {@link Upstream}'s access, initializing {@link Upstream} first if needed. */
    public static UpstreamAccess upstreams() {
        UpstreamAccess access = upstreams;
        if (access == null) {
            initialize(Upstream.class);
            access = upstreams;
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
