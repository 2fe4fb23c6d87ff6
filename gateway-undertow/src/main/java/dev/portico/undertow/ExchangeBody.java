package dev.portico.undertow;

import dev.portico.core.Body;
import dev.portico.core.GatewayException;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.util.Headers;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The body of a client's request, read from the exchange only when something asks for it. */
final class ExchangeBody implements Body {

    private final HttpServerExchange exchange;
    private final long length;
    private boolean consumed;

    ExchangeBody(HttpServerExchange exchange) {
        this.exchange = exchange;
        long contentLength = exchange.getRequestContentLength();
        if (contentLength >= 0) {
            this.length = contentLength;
        } else {
            this.length = exchange.getRequestHeaders().contains(Headers.TRANSFER_ENCODING) ? -1 : 0;
        }
    }

    HttpServerExchange exchange() {
        return exchange;
    }

    /** Marks the body as taken by a transfer; returns {@code false} when it was already read. */
    synchronized boolean claim() {
        if (consumed) {
            return false;
        }
        consumed = true;
        return true;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public boolean isBuffered() {
        return length == 0;
    }

    @Override
    public CompletionStage<byte[]> bytes(long maxBytes) {
        if (length == 0) {
            return CompletableFuture.completedFuture(new byte[0]);
        }
        if (length > maxBytes) {
            return CompletableFuture.failedFuture(GatewayException.payloadTooLarge(maxBytes));
        }
        if (!claim()) {
            return CompletableFuture.failedFuture(new IllegalStateException("the request body was already read"));
        }
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        exchange.setMaxEntitySize(maxBytes);
        exchange.addRequestWrapper((factory, ex) -> new LimitedSourceConduit(factory.create(), maxBytes));
        exchange.getRequestReceiver().receiveFullBytes(
                (ex, bytes) -> result.complete(bytes),
                (ex, e) -> result.completeExceptionally(e instanceof RequestTooBigException
                        ? GatewayException.payloadTooLarge(maxBytes)
                        : GatewayException.badRequest("the request body could not be read")));
        return result;
    }

    @Override
    public String toString() {
        return "Body{streamed from the client, " + (length < 0 ? "chunked" : length + " bytes") + '}';
    }
}
