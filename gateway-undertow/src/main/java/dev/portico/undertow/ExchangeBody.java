package dev.portico.undertow;

import dev.portico.core.Body;
import dev.portico.core.GatewayException;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.server.handlers.HttpContinueReadHandler;
import io.undertow.server.protocol.http.HttpContinue;
import io.undertow.util.Headers;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The body of a client's request, read from the exchange only when something asks for it. */
final class ExchangeBody implements Body {

    /** Undertow's 100-continue support; with a no-op next handler it only adds its request wrapper. */
    private static final HttpHandler CONTINUE_ON_FIRST_READ = new HttpContinueReadHandler(exchange -> { });

    private final HttpServerExchange exchange;
    private final long length;
    private boolean consumed;

    ExchangeBody(HttpServerExchange exchange) {
        this.exchange = exchange;
        long contentLength = exchange.getRequestContentLength();
        if (contentLength >= 0) {
            this.length = contentLength;
        } else {
            boolean chunked = exchange.getRequestHeaders().contains(Headers.TRANSFER_ENCODING);
            this.length = chunked ? -1 : 0;
            if (chunked && exchange.isHttp10()) {
                // RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 means faulty framing: serve the request, then close,
                // so that bytes a proxy in front of the gateway framed otherwise are never read as another request
                exchange.setPersistent(false);
            }
        }
        if (length != 0 && HttpContinue.requiresContinueResponse(exchange)) {
            // the client holds its body back until told to send it: tell it (100 Continue) when the body is first
            // read, so that a request refused before that (404, 413, ...) gets its final status instead
            try {
                CONTINUE_ON_FIRST_READ.handleRequest(exchange);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
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
