package dev.portico.undertow;

import dev.portico.core.Body;
import dev.portico.core.Gateway;
import dev.portico.core.GatewayException;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.internal.BufferedBody;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.SameThreadExecutor;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An Undertow {@link HttpHandler} that serves a built {@link Gateway}: mount it at the root of a server, or under a
 * prefix of an existing one, where its routes see the path below the prefix.
 *
 * <pre>{@code
 * HttpHandler api = PorticoHandler.of(gateway);
 * Undertow.builder().addHttpListener(8080, "0.0.0.0")
 *         .setHandler(Handlers.path().addPrefixPath("/gateway", api)).build().start();
 * }</pre>
 */
public final class PorticoHandler implements HttpHandler, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PorticoHandler.class.getName());

    /** The longest request target accepted, as nginx's default large header buffer; longer gets 414. */
    private static final int MAX_TARGET = 8 * 1024;

    private final Gateway gateway;
    private final ConnectionPool pool;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean draining;

    private PorticoHandler(Gateway gateway) {
        this.gateway = gateway;
        this.pool = new ConnectionPool(gateway);
    }

    /** Returns a handler that serves this gateway. */
    public static PorticoHandler of(Gateway gateway) {
        return new PorticoHandler(Objects.requireNonNull(gateway, "gateway"));
    }

    /** Returns the gateway served. */
    public Gateway gateway() {
        return gateway;
    }

    /** Returns how many requests are being handled now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Returns how many upstream connections are open, idle or in use. */
    int upstreamConnections() {
        return pool.openConnections();
    }

    /** Answers new requests with 503 from now on, so that in-flight ones can finish before a shutdown. */
    public void drain() {
        draining = true;
    }

    /** Closes the pooled upstream connections. */
    @Override
    public void close() {
        pool.close();
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        HeaderValues transferEncoding = exchange.getRequestHeaders().get(Headers.TRANSFER_ENCODING);
        GatewayException framing = transferEncoding == null ? null : TransferCoding.refusal(transferEncoding);
        if (framing != null) {
            // Undertow has framed the body its own way already: close after the answer, so no byte of it, nor a
            // request behind it, is ever read from this connection
            exchange.setPersistent(false);
            write(exchange, framing.toResponse());
            return;
        }
        if (!exchange.isRequestComplete()) {
            // bounds the pauses in every read of the body: the gateway's, or Undertow's drain after an early answer
            Duration idleTimeout = gateway.idleTimeout();
            exchange.addRequestWrapper((factory, ex) -> new IdleBodyConduit(factory.create(), ex, idleTimeout));
        }
        if (draining) {
            exchange.setPersistent(false);
            write(exchange, GatewayException.serviceUnavailable("the gateway is shutting down").toResponse());
            return;
        }
        if (inFlight.incrementAndGet() > gateway.maxConcurrentRequests()) {
            inFlight.decrementAndGet();
            write(exchange, GatewayException.serviceUnavailable("the gateway is at its request limit").toResponse());
            return;
        }
        exchange.addExchangeCompleteListener((ex, next) -> {
            inFlight.decrementAndGet();
            next.proceed();
        });
        if (exchange.getRequestURI().length() + exchange.getQueryString().length() > MAX_TARGET) {
            write(exchange, new GatewayException(414, "uri_too_long",
                    "the request target exceeds " + MAX_TARGET + " bytes").toResponse());
            return;
        }
        Request request;
        try {
            request = request(exchange, gateway);
        } catch (GatewayException headTooLarge) {
            write(exchange, headTooLarge.toResponse());
            return;
        }
        exchange.dispatch(SameThreadExecutor.INSTANCE, () -> {
            CompletionStage<Response> stage = gateway.handle(request, exchange.getSourceAddress(),
                    exchange.getConnection().getLocalAddress(InetSocketAddress.class),
                    new ExchangeClient(pool, exchange, gateway));
            stage.whenComplete((response, failure) -> {
                if (exchange.isInIoThread()) {
                    answer(exchange, response);
                } else {
                    exchange.getIoThread().execute(() -> answer(exchange, response));
                }
            });
        });
    }

    /**
     * Writes the gateway's response, unless the exchange was answered or ended meanwhile (a stalled body got 408, the
     * client went away); a request body that was being read and is unfinished (a 413 mid-stream) closes the
     * connection after it, rather than being read to its end. Call on the exchange's IO thread.
     */
    private static void answer(HttpServerExchange exchange, Response response) {
        if (exchange.isResponseStarted() || exchange.isComplete()) {
            return;
        }
        if (!exchange.isRequestComplete() && !exchange.isRequestChannelAvailable()) {
            exchange.setPersistent(false);
        }
        write(exchange, response);
    }

    /** Returns the exchange as a request; throws 431 when its head has more bytes or fields than the gateway allows. */
    private static Request request(HttpServerExchange exchange, Gateway gateway) {
        String raw = exchange.getRequestURI();
        String query = exchange.getNonDecodedQueryString();
        long size = raw.length() + (query == null ? 0 : query.length()) + 16;
        if (exchange.isHostIncludedInRequestURI()) {
            int authority = raw.indexOf("//");
            int path = authority < 0 ? -1 : raw.indexOf('/', authority + 2);
            raw = path < 0 ? "/" : raw.substring(path);
        }
        String mount = exchange.getResolvedPath();
        if (!mount.isEmpty() && !mount.equals("/")) {
            raw = below(raw, mount);
        }
        dev.portico.core.Headers.Builder headers = dev.portico.core.Headers.builder();
        int fields = 0;
        for (HeaderValues values : exchange.getRequestHeaders()) {
            String name = values.getHeaderName().toString();
            fields += values.size();
            for (int i = 0; i < values.size(); i++) {
                String value = values.get(i);
                size += name.length() + value.length() + 4;
                headers.add(name, value);
            }
        }
        if (size > gateway.maxHeaderSize()) {
            throw new GatewayException(431, "request_header_fields_too_large",
                    "request headers exceed " + gateway.maxHeaderSize() + " bytes");
        }
        if (fields > gateway.maxHeaderCount()) {
            throw new GatewayException(431, "request_header_fields_too_large",
                    "request has more than " + gateway.maxHeaderCount() + " header fields");
        }
        return Request.builder(exchange.getRequestMethod().toString(), "/")
                .paths(raw, raw)
                .rawQuery(query == null || query.isEmpty() ? null : query)
                .scheme(exchange.getRequestScheme())
                .headers(headers.build())
                .body(new ExchangeBody(exchange))
                .build();
    }

    /** Returns the raw path below a mount prefix, cutting as many raw segments as the decoded prefix has. */
    private static String below(String raw, String mount) {
        int segments = 0;
        for (int i = 0; i < mount.length(); i++) {
            if (mount.charAt(i) == '/') {
                segments++;
            }
        }
        int cut = 0;
        for (int i = 0; i < segments && cut >= 0; i++) {
            cut = raw.indexOf('/', cut + 1);
        }
        return cut < 0 ? "/" : raw.substring(cut);
    }

    /**
     * Writes a response to the client; never throws, never waits for its body. An upstream's body is piped from its
     * connection, a buffered one sent at once, any other one streamed as its chunks come. Call on the exchange's IO
     * thread.
     */
    static void write(HttpServerExchange exchange, Response response) {
        try {
            exchange.setStatusCode(response.status());
            HeaderMap out = exchange.getResponseHeaders();
            int status = response.status();
            boolean bodiless = status == 204 || status == 304 || status < 200
                    || exchange.getRequestMethod().equalToString("HEAD");
            dev.portico.core.Headers headers = response.headers();
            for (int i = 0; i < headers.size(); i++) {
                String name = headers.name(i);
                if (name.equalsIgnoreCase("Transfer-Encoding") || (!bodiless && name.equalsIgnoreCase("Content-Length"))) {
                    continue;
                }
                out.add(HttpString.tryFromString(name), headers.value(i));
            }
            Body body = response.body();
            if (bodiless) {
                body.discard(); // an upstream's connection is drained (its body is empty) or closed
                exchange.endExchange();
            } else if (body instanceof UpstreamBody upstream) {
                if (upstream.length() >= 0) {
                    out.put(Headers.CONTENT_LENGTH, upstream.length());
                }
                upstream.transferTo(exchange);
            } else if (body instanceof BufferedBody buffered) {
                send(exchange, buffered.array());
            } else {
                // any other body, a user's or a filter's, streams chunk by chunk: nothing here waits for it
                if (body.length() >= 0) {
                    out.put(Headers.CONTENT_LENGTH, body.length());
                }
                BodyStreamer.stream(exchange, body);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "failed to write a response", e);
            if (!exchange.isResponseStarted()) {
                exchange.getResponseHeaders().clear();
                exchange.setStatusCode(500);
                exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
                send(exchange, "{\"error\":\"internal_error\",\"message\":\"the gateway failed to write the response\"}"
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } else {
                org.xnio.IoUtils.safeClose(exchange.getConnection());
            }
        }
    }

    private static void send(HttpServerExchange exchange, byte[] bytes) {
        exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, bytes.length);
        if (bytes.length == 0) {
            exchange.endExchange();
        } else {
            exchange.getResponseSender().send(ByteBuffer.wrap(bytes));
        }
    }
}
