package dev.portico.undertow;

import dev.portico.core.Body;
import dev.portico.core.Gateway;
import dev.portico.core.GatewayException;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.internal.CoreAccess;
import dev.portico.core.internal.body.BufferedBody;
import dev.portico.core.internal.http.Json;
import dev.portico.core.spi.Exchanges;
import dev.portico.core.spi.GatewayExchange;
import dev.portico.core.spi.Requests;
import dev.portico.core.spi.UpstreamClient;
import dev.portico.core.upstream.Endpoint;
import dev.portico.undertow.internal.buffer.WriteBatch;
import dev.portico.undertow.internal.client.ConnectionPool;
import dev.portico.undertow.internal.client.ExchangeClient;
import dev.portico.undertow.internal.client.Upgraded;
import dev.portico.undertow.internal.client.UpstreamBody;
import dev.portico.undertow.internal.client.WorkerClient;
import dev.portico.undertow.internal.server.ClientConnections;
import dev.portico.undertow.internal.websocket.WebSocketRelay;
import io.undertow.connector.ByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Protocols;
import io.undertow.util.SameThreadExecutor;
import org.xnio.XnioWorker;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An Undertow {@link HttpHandler} that serves a built {@link Gateway}: mount it at the root of a server, or under a
 * prefix of an existing one, where its routes see the path below the prefix. Mounted, it enforces the gateway's
 * request limits, body limits and the idle timeout between body bytes itself; the connection-level timeouts
 * ({@code idleTimeout} between requests, {@code requestHeaderTimeout}) are the hosting server's options, and it
 * cannot refuse the HTTP versions that Undertow's parser reads as HTTP/1.1 ({@code HTTP/1.2}, {@code HTTP/3.0}):
 * only {@link PorticoServer} sees request lines before that parser.
 *
 * <pre>{@code
 * HttpHandler api = PorticoHandler.of(gateway);
 * Undertow.builder().addHttpListener(8080, "0.0.0.0")
 *         .setHandler(Handlers.path().addPrefixPath("/gateway", api)).build().start();
 * }</pre>
 */
public final class PorticoHandler implements HttpHandler, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PorticoHandler.class.getName());

    private volatile Served served;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ConnectionPool pool;
    private final UpstreamClient background;
    private volatile XnioWorker worker;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean draining;
    private final Set<WebSocketRelay> webSockets = ConcurrentHashMap.newKeySet();

    private PorticoHandler(Gateway gateway) {
        this.pool = new ConnectionPool(gateway);
        this.background = new WorkerClient(pool, this::gateway, () -> worker);
        this.served = new Served(gateway);
        serve(gateway);
    }

    /** Starts the discovery and health checks of the gateway's upstreams, until the gateway is closed. */
    private void serve(Gateway gateway) {
        CoreAccess.gateways().serve(gateway, background, this::retire);
    }

    /**
     * Stops pooling connections to an instance that left an upstream, unless an upstream of the gateway served now
     * still has it: the pool is keyed by instance, so a swap that rebuilt its upstreams around the same URLs, or an
     * instance shared by two upstreams, keeps its idle connections.
     */
    private void retire(Endpoint endpoint) {
        if (!CoreAccess.gateways().routesTo(served.gateway, endpoint)) {
            pool.retire(endpoint);
        }
    }

    /** Returns a handler that serves this gateway. */
    public static PorticoHandler of(Gateway gateway) {
        return new PorticoHandler(Objects.requireNonNull(gateway, "gateway"));
    }

    /** Returns the gateway served to new requests. */
    public Gateway gateway() {
        return served.gateway;
    }

    /**
     * Serves {@code next} to new requests from now on, while requests in flight finish on the gateway they started
     * on; the returned stage completes once the previous gateway has no request left, when it is closed. The
     * listener's own settings (head size and count limits of the parser, connection timeouts) stay those it was
     * started with; the connection pools, and the state of upstreams shared by both gateways, carry over.
     */
    public CompletionStage<Void> swap(Gateway next) {
        Objects.requireNonNull(next, "next");
        serve(next); // before the previous gateway is released: the upstreams both use go on
        Served previous;
        synchronized (this) {
            previous = served;
            served = new Served(next);
        }
        pool.settings(next);
        previous.release();
        return previous.retired;
    }

    /** A gateway as served: a hold while it is the current one, one per request in flight on it, and its retirement. */
    private static final class Served {
        final Gateway gateway;
        final AtomicInteger holds = new AtomicInteger(1);
        final CompletableFuture<Void> retired = new CompletableFuture<>();

        Served(Gateway gateway) {
            this.gateway = gateway;
        }

        /** Takes a hold for one request; fails once the gateway is retired and drained. */
        boolean hold() {
            for (int n = holds.get(); n > 0; n = holds.get()) {
                if (holds.compareAndSet(n, n + 1)) {
                    return true;
                }
            }
            return false;
        }

        /** Gives a hold back; the last one closes the gateway. */
        void release() {
            if (holds.decrementAndGet() == 0) {
                gateway.close();
                retired.complete(null);
            }
        }
    }

    /** Returns the current gateway with a hold taken on it for one request. */
    private Served hold() {
        while (true) {
            Served current = served;
            if (current.hold()) {
                return current;
            }
        }
    }

    /** Returns how many requests are being handled now. */
    public int inFlight() {
        return inFlight.get();
    }

    /**
     * Returns the transport to upstreams for calls made outside any client request (a health check, a key refresh),
     * from any thread; it shares the connection pools of the proxy. A mounted handler can make such calls once it
     * has served its first request (it learns its server's IO threads from it).
     */
    public UpstreamClient upstreamClient() {
        return background;
    }

    /** Verifies {@code https} upstreams with this context instead of the JDK's default. */
    void upstreamTls(javax.net.ssl.SSLContext context) {
        pool.tls(context);
    }

    /** Uses this worker's IO threads for calls made outside client requests. */
    void worker(XnioWorker worker) {
        this.worker = worker;
    }

    /** Returns how many upstream connections are open, idle or in use. */
    int upstreamConnections() {
        return pool.openConnections();
    }

    /** Answers new requests with 503 from now on, so that in-flight ones can finish before a shutdown. */
    public void drain() {
        draining = true;
    }

    /**
     * Closes every open WebSocket with 1001 (going away), waiting up to a second for the close frames to be written;
     * a stop calls it at the end of its drain, before it closes the connections.
     */
    void closeWebSockets() {
        CompletableFuture<?>[] closing = webSockets.stream()
                .map(relay -> relay.goingAway(1001, "the gateway is shutting down"))
                .toArray(CompletableFuture<?>[]::new);
        try {
            CompletableFuture.allOf(closing).get(1, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // closing anyway
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes the pooled upstream connections and the gateway served (its resources). */
    @Override
    public void close() {
        pool.close();
        if (closed.compareAndSet(false, true)) {
            served.release();
        }
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        if (worker == null) {
            worker = exchange.getIoThread().getWorker();
        }
        GatewayException guarded = VersionGuard.refusal(exchange); // first: it counts the connection's requests
        Served current = hold();
        exchange.addExchangeCompleteListener((ex, next) -> {
            current.release();
            next.proceed();
        });
        Gateway gateway = current.gateway;
        Answering answering = new Answering(gateway.bodyIdleTimeout());
        HeaderValues transferEncoding = exchange.getRequestHeaders().get(Headers.TRANSFER_ENCODING);
        // Undertow's HTTP/1 parser reads HTTP/d.d other than 0.9-2.0 as 1.1, which only a PorticoServer connection's
        // VersionGuard sees, and refuses "HTTP/2.0" itself, so 2.0 here is a real HTTP/2 connection's
        HttpString version = exchange.getProtocol();
        GatewayException refusal = guarded != null ? guarded : refusal(exchange, version, transferEncoding);
        if (refusal != null) {
            // Undertow has framed the body its own way already (or under a version we do not speak): close after the
            // answer, so no byte of it, nor a request behind it, is ever read from this connection
            exchange.setPersistent(false);
        } else if (!exchange.isRequestComplete()) {
            VersionGuard.eagerSuspension(exchange);
            // bounds the pauses in every read of the body: the gateway's, or Undertow's drain after an early answer
            Duration idleTimeout = gateway.idleTimeout();
            exchange.addRequestWrapper((factory, ex) -> {
                IdleBodyConduit body = new IdleBodyConduit(factory.create(), ex, idleTimeout, answering);
                answering.body = body;
                return body;
            });
        }
        if (refusal == null) {
            refusal = exchange.getAttachment(ListenerHandler.REFUSAL); // a PorticoServer listener's (an HTTP/2 bound)
        }
        if (refusal == null && draining) {
            exchange.setPersistent(false);
            refusal = GatewayException.serviceUnavailable("the gateway is shutting down");
        }
        if (refusal == null) {
            if (inFlight.incrementAndGet() > gateway.maxConcurrentRequests()) {
                inFlight.decrementAndGet();
                refusal = GatewayException.serviceUnavailable("the gateway is at its request limit");
            } else {
                exchange.addExchangeCompleteListener((ex, next) -> {
                    inFlight.decrementAndGet();
                    next.proceed();
                });
            }
        }
        Request request = request(exchange); // the target's and head's limits (414, 431) are the gateway's
        GatewayException refused = refusal;
        InetSocketAddress local = exchange.getConnection().getLocalAddress(InetSocketAddress.class);
        ExchangeClient client = new ExchangeClient(pool, exchange, gateway, (body, max) -> ExchangeBody.open(exchange, body, max));
        exchange.dispatch(SameThreadExecutor.INSTANCE, () -> {
            GatewayExchange run = refused == null
                    ? Exchanges.start(gateway, request, exchange.getSourceAddress(), local, client)
                    : Exchanges.refuse(gateway, request, exchange.getSourceAddress(), local, client, refused);
            String requestId = run.requestId();
            if (requestId != null) {
                answering.requestId = new Answering.RequestId(gateway.requestIds().headerName(), requestId);
            }
            if (exchange.isComplete()) {
                // ended while the exchange started (a client that reset the connection under its body was read):
                // Undertow takes no listener any more, and nothing is left to answer
                report(exchange, run, answering);
                return;
            }
            exchange.addExchangeCompleteListener((ex, next) -> {
                report(ex, run, answering);
                next.proceed();
            });
            // held to the end of the IO thread's batch; from another thread, handed to the IO thread
            run.response().whenComplete((response, failure) ->
                    WriteBatch.defer(exchange.getIoThread(), () -> respond(exchange, response, answering)));
        });
    }

    /** Answers the exchange, or switches it to WebSocket when the upstream accepted the client's upgrade. */
    private void respond(HttpServerExchange exchange, Response response, Answering answering) {
        if (response.status() == 101 && response.body() instanceof Upgraded upgraded) {
            if (exchange.isResponseStarted() || exchange.isComplete()) {
                upgraded.discard();
            } else {
                switchProtocols(exchange, response, upgraded);
            }
        } else {
            answer(exchange, response, answering);
        }
    }

    /**
     * Writes the upstream's 101 and, once the client's connection has switched, relays it to the upstream's. The
     * WebSocket holds a concurrency slot of its own until it closes, and a drain closes it with 1001.
     */
    private void switchProtocols(HttpServerExchange exchange, Response response, Upgraded upgraded) {
        HeaderMap out = exchange.getResponseHeaders();
        dev.portico.core.Headers headers = response.headers();
        for (int i = 0; i < headers.size(); i++) {
            out.add(HeaderNames.of(headers.name(i)), headers.value(i));
        }
        out.put(Headers.UPGRADE, "websocket");
        inFlight.incrementAndGet(); // taken before the handshake's own slot is given back
        ByteBufferPool buffers = exchange.getConnection().getByteBufferPool();
        exchange.upgradeChannel((connection, ex) -> {
            WebSocketRelay relay = new WebSocketRelay(connection, upgraded, upgraded.webSocket(), buffers, closed -> {
                webSockets.remove(closed);
                inFlight.decrementAndGet();
            });
            webSockets.add(relay);
            relay.start();
        });
        exchange.addExchangeCompleteListener((ex, next) -> {
            if (!ex.getConnection().isOpen()) { // the 101 never went out: no relay will take either side
                upgraded.discard();
                inFlight.decrementAndGet();
            }
            next.proceed();
        });
        exchange.endExchange();
    }

    /** Reports how an exchange ended; a connection already closed means the response did not go out whole. */
    private static void report(HttpServerExchange exchange, GatewayExchange run, Answering answering) {
        IdleBodyConduit body = answering.body;
        run.complete(exchange.getStatusCode(), body == null ? 0 : body.bytesRead(), exchange.getResponseBytesSent(),
                exchange.getConnection().isOpen() ? null
                        : new IOException("the connection closed before the exchange completed"));
    }

    /**
     * Writes the gateway's response, unless the exchange was answered or ended meanwhile (a stalled body got 408, the
     * client went away); a request body that was being read and is unfinished (a 413 mid-stream) closes the
     * connection after it, rather than being read to its end. Call on the exchange's IO thread.
     */
    private static void answer(HttpServerExchange exchange, Response response, Answering answering) {
        if (exchange.isResponseStarted() || exchange.isComplete()) {
            return;
        }
        if (!exchange.isRequestChannelAvailable() && !exchange.isRequestComplete()) { // a field, then a map lookup
            exchange.setPersistent(false);
        }
        write(exchange, response, answering);
    }

    /**
     * Returns the JSON response of an error answered by the adapter itself, after the gateway's pipeline has started
     * (a stalled body's 408, a broken response body's 502), with the request's id when it has one.
     */
    static Response error(Answering answering, GatewayException error) {
        Answering.RequestId id = answering.requestId;
        return id == null ? error.toResponse()
                : error.toResponse(id.id()).toBuilder().header(id.header(), id.id()).build();
    }

    /**
     * Returns the refusal of a request whose version, framing or fields the gateway will not serve, or {@code null};
     * every check runs until one refuses (an accepted {@code Transfer-Encoding} ends none of them).
     */
    private static GatewayException refusal(HttpServerExchange exchange, HttpString version,
                                            HeaderValues transferEncoding) {
        boolean http2 = version.equals(Protocols.HTTP_2_0);
        if (!http2 && !version.equals(Protocols.HTTP_1_1) && !version.equals(Protocols.HTTP_1_0)) {
            return new GatewayException(505, "http_version_not_supported", "only HTTP/1.0 and HTTP/1.1 are supported");
        }
        if (transferEncoding != null) {
            GatewayException coding = http2 // RFC 9113 8.2.2: a connection-specific field makes the stream malformed
                    ? GatewayException.badRequest("an HTTP/2 request has no Transfer-Encoding")
                    : TransferCoding.refusal(transferEncoding);
            if (coding != null) {
                return coding;
            }
        }
        if (ExchangeBody.lengthUnreadable(exchange)) {
            return GatewayException.badRequest("the request's Content-Length is larger than the gateway can read");
        }
        if (http2) {
            return Http2Fields.refusal(exchange);
        }
        return exchange.isHostIncludedInRequestURI() && !authorityIsHost(exchange)
                ? GatewayException.badRequest("the request target's authority is not its Host") : null;
    }

    /**
     * Returns whether an absolute-form target's authority is the request's {@code Host}: RFC 9112 3.2.2 has the
     * target's win, and the gateway routes and reports by {@code Host}, so the two must not differ.
     */
    private static boolean authorityIsHost(HttpServerExchange exchange) {
        String target = exchange.getRequestURI();
        int start = target.indexOf("//");
        if (start < 0) {
            return false;
        }
        start += 2;
        int end = start;
        while (end < target.length() && "/?#".indexOf(target.charAt(end)) < 0) {
            end++;
        }
        String host = exchange.getRequestHeaders().getFirst(Headers.HOST);
        return host != null && end - start == host.length() && target.regionMatches(true, start, host, 0, host.length());
    }

    /** Returns the exchange as a request: its raw path below the mount, as sent, and its headers and body. */
    private static Request request(HttpServerExchange exchange) {
        String raw = exchange.getRequestURI();
        String query = exchange.getNonDecodedQueryString();
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
        boolean http2 = exchange.getProtocol().equals(Protocols.HTTP_2_0);
        for (HeaderValues values : exchange.getRequestHeaders()) {
            String name = values.getHeaderName().toString();
            if (http2 && values.size() > 1 && values.getHeaderName().equals(Headers.COOKIE)) {
                String cookies = String.join("; ", values); // RFC 9113 8.2.3: one field again, for HTTP/1.1
                if (Http2Fields.acceptable(name, cookies)) {
                    headers.add(name, cookies);
                }
                continue;
            }
            for (int i = 0; i < values.size(); i++) {
                String value = values.get(i);
                if (!http2 || Http2Fields.acceptable(name, value)) { // the others refused the stream already
                    headers.add(name, value);
                }
            }
        }
        return Requests.of(exchange.getRequestMethod().toString(), raw,
                query == null || query.isEmpty() ? null : query, exchange.getRequestScheme(), httpVersion(exchange),
                headers.build(), new ExchangeBody(exchange));
    }

    /**
     * Returns the HTTP version the client spoke as OpenTelemetry's {@code network.protocol.version} writes it:
     * {@code 1.1}, {@code 2}, or the protocol without its {@code HTTP/}.
     */
    private static String httpVersion(HttpServerExchange exchange) {
        if (exchange.isHttp11()) {
            return "1.1";
        }
        if (exchange.getProtocol().equals(Protocols.HTTP_2_0)) {
            return "2";
        }
        String protocol = exchange.getProtocol().toString();
        return protocol.startsWith("HTTP/") ? protocol.substring(5) : protocol;
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
    static void write(HttpServerExchange exchange, Response response, Answering answering) {
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
                try {
                    out.add(HeaderNames.of(name), headers.value(i));
                } catch (IllegalStateException full) { // Undertow keeps at most 127 values of one name
                    response.body().discard();
                    throw new TooManyFields(name);
                }
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
                BodyStreamer.stream(exchange, body, answering);
            }
        } catch (RuntimeException e) {
            boolean upstreams = e instanceof TooManyFields; // the response's fault, which a hostile upstream may repeat
            if (upstreams) {
                LOG.log(System.Logger.Level.WARNING, e.getMessage());
            } else {
                LOG.log(System.Logger.Level.ERROR, "failed to write a response", e);
            }
            if (!exchange.isResponseStarted()) {
                exchange.getResponseHeaders().clear();
                exchange.setStatusCode(upstreams ? 502 : 500);
                exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
                Answering.RequestId id = answering.requestId;
                String error = upstreams ? "bad_gateway" : "internal_error";
                String message = upstreams ? e.getMessage() : "the gateway failed to write the response";
                if (id != null) {
                    exchange.getResponseHeaders().put(HeaderNames.of(id.header()), id.id());
                }
                send(exchange, (id == null ? Json.error(error, message)
                        : Json.error(error, message, id.id())).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } else {
                ClientConnections.abort(exchange);
            }
        }
    }

    /** A response with more fields of one name than the server holds: the response's fault, answered 502. */
    private static final class TooManyFields extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TooManyFields(String name) {
            super("the response has more than 127 fields named " + name, null, false, false);
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
