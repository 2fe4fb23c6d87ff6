package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.spi.CallOptions;
import dev.portico.core.spi.UpstreamClient;
import dev.portico.core.upstream.Endpoint;
import io.undertow.server.HttpServerExchange;

import java.util.concurrent.CompletionStage;

/** The upstream transport for the requests of one client exchange, on that exchange's IO thread. */
final class ExchangeClient implements UpstreamClient {

    private final ConnectionPool pool;
    private final HttpServerExchange exchange;
    private final Gateway gateway;

    ExchangeClient(ConnectionPool pool, HttpServerExchange exchange, Gateway gateway) {
        this.pool = pool;
        this.exchange = exchange;
        this.gateway = gateway;
    }

    @Override
    public CompletionStage<Response> send(Endpoint endpoint, Request request, CallOptions options) {
        return new UpstreamCall(pool, exchange, exchange.getIoThread(), endpoint, request, options,
                gateway.maxResponseHeaderSize(), gateway.bodyIdleTimeout()).start();
    }
}
