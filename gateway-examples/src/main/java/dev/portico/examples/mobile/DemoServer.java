package dev.portico.examples.mobile;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.SameThreadExecutor;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One in-JVM demo service: an Undertow server on an ephemeral loopback port that reads the body without blocking,
 * answers JSON through a {@link ServiceHandler}, echoes the W3C trace id and applies the demo's delay and failure.
 */
final class DemoServer implements AutoCloseable {

    private static final int MAX_BODY_SIZE = 1024 * 1024;

    private static final System.Logger LOG = System.getLogger(DemoServer.class.getName());
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    private static final HttpString X_TRACE_ID = HttpString.tryFromString("X-Trace-Id");
    private static final Pattern TRACEPARENT =
            Pattern.compile("([0-9a-f]{2})-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}(-.*)?");

    private final String name;
    private final ServiceHandler handler;
    private final long delayMillis;
    private final boolean failing;
    private final Undertow undertow;

    private DemoServer(String name, ServiceHandler handler, DemoConfig config) {
        this.name = name;
        this.handler = handler;
        this.delayMillis = config.backendDelay().toMillis();
        this.failing = config.fails(name);
        this.undertow = Undertow.builder()
                .addHttpListener(0, "127.0.0.1")
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, (long) MAX_BODY_SIZE)
                .setHandler(this::handleRequest)
                .build();
        undertow.start();
    }

    /** Starts the service named {@code user}, {@code product} or {@code order} on a free loopback port. */
    static DemoServer start(String name, ServiceHandler handler, DemoConfig config) {
        return new DemoServer(name, handler, config);
    }

    /** Returns the base URL, such as {@code http://127.0.0.1:40123}. */
    String url() {
        InetSocketAddress address = (InetSocketAddress) undertow.getListenerInfo().get(0).getAddress();
        return "http://127.0.0.1:" + address.getPort();
    }

    @Override
    public void close() {
        undertow.stop();
    }

    private void handleRequest(HttpServerExchange exchange) {
        String traceId = traceId(exchange.getRequestHeaders().get("traceparent"));
        if (traceId != null) {
            exchange.getResponseHeaders().put(X_TRACE_ID, traceId);
        }
        exchange.dispatch(SameThreadExecutor.INSTANCE, () -> serve(exchange));
    }

    private void serve(HttpServerExchange exchange) {
        if (failing) {
            respond(exchange, Reply.error(500, "internal_error", "the " + name + " service is failing on purpose"));
        } else if (exchange.getRequestContentLength() > MAX_BODY_SIZE) {
            exchange.setPersistent(false);
            respond(exchange, tooLarge());
        } else {
            // a body that arrives after the first read completes outside the dispatch: dispatch again, or Undertow
            // ends the exchange (an empty 200) when the callback returns, before a delayed reply is written
            exchange.getRequestReceiver().receiveFullBytes(
                    (ex, body) -> ex.dispatch(SameThreadExecutor.INSTANCE, () -> respond(ex, answer(ex, body))),
                    (ex, failure) -> {
                        ex.setPersistent(false);
                        respond(ex, failure instanceof RequestTooBigException ? tooLarge()
                                : Reply.badRequest("the request body could not be read"));
                    });
        }
    }

    private Reply answer(HttpServerExchange exchange, byte[] body) {
        HeaderValues userIds = exchange.getRequestHeaders().get("X-User-Id");
        if (userIds != null && userIds.size() > 1) {
            return Reply.badRequest("the X-User-Id header must not be repeated");
        }
        String userId = userIds == null || userIds.getFirst().isBlank() ? null : userIds.getFirst().trim();
        try {
            return handler.handle(new Call(exchange.getRequestMethod().toString(), exchange.getRequestPath(), userId, body));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "the " + name + " service failed", e);
            return Reply.error(500, "internal_error", "the " + name + " service failed");
        }
    }

    /** Writes the reply after the configured delay, armed on the exchange's IO thread so no thread sleeps. */
    private void respond(HttpServerExchange exchange, Reply reply) {
        if (delayMillis == 0) {
            write(exchange, reply);
        } else {
            exchange.getIoThread().executeAfter(() -> write(exchange, reply), delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    private static void write(HttpServerExchange exchange, Reply reply) {
        exchange.setStatusCode(reply.status());
        reply.headers().forEach((header, value) -> exchange.getResponseHeaders().put(HttpString.tryFromString(header), value));
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseSender().send(GSON.toJson(reply.body()), StandardCharsets.UTF_8);
    }

    private static Reply tooLarge() {
        return Reply.error(413, "payload_too_large", "request body exceeds " + MAX_BODY_SIZE + " bytes");
    }

    /** Returns the trace id of a single valid W3C {@code traceparent} header, or {@code null}. */
    private static String traceId(HeaderValues traceparent) {
        if (traceparent == null || traceparent.size() != 1) {
            return null;
        }
        Matcher matcher = TRACEPARENT.matcher(traceparent.getFirst().trim());
        if (!matcher.matches() || matcher.group(1).equals("ff") || (matcher.group(1).equals("00") && matcher.group(3) != null)) {
            return null;
        }
        String traceId = matcher.group(2);
        return traceId.equals("00000000000000000000000000000000") ? null : traceId;
    }
}
