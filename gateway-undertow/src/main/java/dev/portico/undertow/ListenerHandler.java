package dev.portico.undertow;

import dev.portico.core.GatewayException;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http2.Http2ServerConnection;
import io.undertow.server.protocol.http2.Http2UpgradeHandler;
import io.undertow.util.AttachmentKey;

/**
 * The root handler of one {@link PorticoServer} listener: it states the scheme the listener serves, whatever an
 * HTTP/2 client's {@code :scheme} claims (so an h2c request cannot pass for HTTPS in {@code X-Forwarded-Proto}),
 * counts HTTP/2 streams against their connection's bound and for the GOAWAY of a stop, and on a cleartext listener
 * with h2c upgrades a bodiless {@code Upgrade: h2c} request (Undertow would buffer a body in memory, unbounded: one
 * with a body stays HTTP/1.1).
 */
final class ListenerHandler implements HttpHandler {

    /** Why the gateway must refuse the request before it is served, for {@link PorticoHandler}. */
    static final AttachmentKey<GatewayException> REFUSAL = AttachmentKey.create(GatewayException.class);

    private final String scheme;
    private final Http2Connections http2;
    private final HttpHandler next;
    private final HttpHandler upgrade;

    ListenerHandler(boolean tls, boolean h2c, Http2Connections http2, HttpHandler next) {
        this.scheme = tls ? "https" : "http";
        this.http2 = http2;
        this.next = next;
        // the upgraded connection's streams are handed to the upgrade's own root: this listener's, not next
        this.upgrade = h2c ? new Http2UpgradeHandler(this::serve) : null;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        if (upgrade != null && exchange.isRequestComplete() && exchange.isHttp11() // RFC 9110 7.8: not in HTTP/1.0
                && !(exchange.getConnection() instanceof Http2ServerConnection)) {
            upgrade.handleRequest(exchange); // serves any other request as it is
        } else {
            serve(exchange);
        }
    }

    private void serve(HttpServerExchange exchange) throws Exception {
        exchange.setRequestScheme(scheme);
        if (exchange.getConnection() instanceof Http2ServerConnection && !http2.admit(exchange)) {
            exchange.putAttachment(REFUSAL, GatewayException.serviceUnavailable(
                    "the connection has " + http2.maxStreams() + " streams in flight, its most"));
        }
        next.handleRequest(exchange);
    }
}
