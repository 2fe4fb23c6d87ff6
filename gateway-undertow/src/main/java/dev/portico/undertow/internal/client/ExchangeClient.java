package dev.portico.undertow.internal.client;

import dev.portico.core.Gateway;
import dev.portico.core.GatewayException;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.spi.CallOptions;
import dev.portico.core.spi.UpstreamClient;
import dev.portico.core.upstream.Endpoint;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.Methods;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/** The upstream transport for the requests of one client exchange, on that exchange's IO thread. */
public final class ExchangeClient implements UpstreamClient {

    private final ConnectionPool pool;
    private final HttpServerExchange exchange;
    private final Gateway gateway;
    private final ClientBodySource bodies;

    /** A transport for the calls of one client exchange, whose own request body {@code bodies} opens. */
    public ExchangeClient(ConnectionPool pool, HttpServerExchange exchange, Gateway gateway, ClientBodySource bodies) {
        this.pool = pool;
        this.exchange = exchange;
        this.gateway = gateway;
        this.bodies = bodies;
    }

    @Override
    public CompletionStage<Response> send(Endpoint endpoint, Request request, CallOptions options) {
        if (options.webSocket() != null && isWebSocketHandshake(exchange)) {
            List<String> origins = request.headers().getAll("Origin");
            if (origins.size() > 1 || !options.webSocket().allowsOrigin(origins.isEmpty() ? null : origins.get(0))) {
                // a browser sends one origin: two would let the check see one and the upstream another
                return CompletableFuture.failedFuture(GatewayException.forbidden("the WebSocket's origin is not allowed"));
            }
            // the edge removed the client's Upgrade and Connection (hop-by-hop): this hop asks for its own upgrade
            request = request.toBuilder().header("Connection", "Upgrade").header("Upgrade", "websocket").build();
        }
        return new UpstreamCall(pool, exchange, bodies, exchange.getIoThread(), endpoint, request, options,
                gateway.maxResponseHeaderSize(), gateway.bodyIdleTimeout()).start();
    }

    /**
     * Returns whether the client asks to switch to WebSocket (RFC 6455 4.1): an HTTP/1.1 {@code GET} with
     * {@code Upgrade: websocket} and a {@code Connection} that names {@code upgrade}.
     */
    static boolean isWebSocketHandshake(HttpServerExchange exchange) {
        HeaderMap headers = exchange.getRequestHeaders();
        return exchange.isHttp11() && exchange.getRequestMethod().equals(Methods.GET)
                && hasToken(headers.get(Headers.UPGRADE), "websocket") && hasToken(headers.get(Headers.CONNECTION), "upgrade");
    }

    /** Returns whether header values, comma-separated lists of tokens, hold this token in any case. */
    private static boolean hasToken(HeaderValues values, String token) {
        if (values != null) {
            for (String value : values) {
                for (String item : value.split(",")) {
                    if (item.trim().equalsIgnoreCase(token)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Returns the exchange's IO thread, where its calls and their connection pool live. */
    @Override
    public Executor executor() {
        return exchange.getIoThread();
    }
}
