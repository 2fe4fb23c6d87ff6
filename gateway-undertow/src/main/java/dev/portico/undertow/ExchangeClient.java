package dev.portico.undertow;

import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.spi.CallOptions;
import dev.portico.core.spi.Endpoint;
import dev.portico.core.spi.UpstreamClient;
import io.undertow.server.HttpServerExchange;

import java.util.concurrent.CompletionStage;

/** The upstream transport for the requests of one client exchange, on that exchange's IO thread. */
final class ExchangeClient implements UpstreamClient {

    private final ConnectionPool pool;
    private final HttpServerExchange exchange;

    ExchangeClient(ConnectionPool pool, HttpServerExchange exchange) {
        this.pool = pool;
        this.exchange = exchange;
    }

    @Override
    public CompletionStage<Response> send(Endpoint endpoint, Request request, CallOptions options) {
        return new UpstreamCall(pool, exchange, endpoint, options.upstream(), request, options).start();
    }
}
