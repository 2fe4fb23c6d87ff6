package dev.portico.core.spi;

import dev.portico.core.Gateway;
import dev.portico.core.GatewayException;
import dev.portico.core.Request;
import dev.portico.core.TimeSource;
import dev.portico.core.internal.CoreAccess;

import java.net.InetSocketAddress;
import java.util.Objects;

/** How a server adapter runs client requests through a gateway, refused ones included. */
public final class Exchanges {

    private Exchanges() {
    }

    /**
     * Starts one client request: the request is cleaned of what an untrusted client may not say, its path is
     * checked, then the gateway's edge filters run around routing, the route's filters and its target; any failure
     * becomes the JSON error response. {@code peer} is the TCP peer, {@code local} the gateway's end of that
     * connection (whose port {@code X-Forwarded-Port} reports; {@code null} reports the scheme's default port), and
     * {@code client} the transport to upstreams.
     */
    public static GatewayExchange start(Gateway gateway, Request request, InetSocketAddress peer,
                                        InetSocketAddress local, UpstreamClient client) {
        return CoreAccess.gateways().exchange(Objects.requireNonNull(gateway, "gateway"),
                Objects.requireNonNull(request, "request"), peer, local, client, null, null);
    }

    /**
     * Starts one client request as {@link #start(Gateway, Request, InetSocketAddress, InetSocketAddress,
     * UpstreamClient)} does, reading and scheduling time by {@code time} instead of the gateway's own time source:
     * an in-memory test harness runs a user's gateway on its controllable clock this way.
     */
    public static GatewayExchange start(Gateway gateway, Request request, InetSocketAddress peer,
                                        InetSocketAddress local, UpstreamClient client, TimeSource time) {
        return CoreAccess.gateways().exchange(Objects.requireNonNull(gateway, "gateway"),
                Objects.requireNonNull(request, "request"), peer, local, client, null,
                Objects.requireNonNull(time, "time"));
    }

    /**
     * Runs a request that the adapter refused before the gateway could route it (413, 414, 431, 501, 503) through
     * the gateway's edge filters, so that they see and may shape that answer like any other.
     */
    public static GatewayExchange refuse(Gateway gateway, Request request, InetSocketAddress peer,
                                         InetSocketAddress local, UpstreamClient client, GatewayException refusal) {
        return CoreAccess.gateways().exchange(Objects.requireNonNull(gateway, "gateway"),
                Objects.requireNonNull(request, "request"), peer, local, client,
                Objects.requireNonNull(refusal, "refusal"), null);
    }
}
