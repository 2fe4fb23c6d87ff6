package dev.portico.undertow.internal.client;

import dev.portico.core.Gateway;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.spi.CallOptions;
import dev.portico.core.spi.UpstreamClient;
import dev.portico.core.upstream.Endpoint;
import io.undertow.server.HttpServerExchange;

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
        return new UpstreamCall(pool, exchange, bodies, exchange.getIoThread(), endpoint, request, options,
                gateway.maxResponseHeaderSize(), gateway.bodyIdleTimeout()).start();
    }

    /** Returns the exchange's IO thread, where its calls and their connection pool live. */
    @Override
    public Executor executor() {
        return exchange.getIoThread();
    }
}
