package dev.portico.core.internal.observe;

import dev.portico.core.Completion;
import dev.portico.core.Context;
import dev.portico.core.Gateway;
import dev.portico.core.GatewayException;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.aggregate.Aggregator;
import dev.portico.core.observe.Telemetry;
import dev.portico.core.upstream.Endpoint;
import dev.portico.core.upstream.Upstream;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.propagation.TextMapGetter;

import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * One request's server span and its share of the server metrics: started as the request arrives, under the context
 * its client propagated (a malformed one starts a new trace), ended with the request's {@link Completion}; the
 * parent of the client spans of its upstream attempts.
 */
public final class ServerSpan implements Consumer<Completion> {

    private static final TextMapGetter<Request> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Request request) {
            return request.headers().names();
        }

        @Override
        public String get(Request request, String key) {
            return request == null ? null : request.header(key);
        }
    };

    private final Instruments instruments;
    private final String method;
    private final Span span;
    private final io.opentelemetry.context.Context context;
    private final String scheme;
    private final Attributes active;

    private ServerSpan(Instruments instruments, Context exchange, Request request) {
        this.instruments = instruments;
        this.method = Semconv.method(request.method());
        io.opentelemetry.context.Context parent = instruments.propagator.extract(io.opentelemetry.context.Context.root(),
                request, HEADERS);
        this.scheme = request.scheme();
        // set one by one on the builder: an Attributes built first would be sorted, then copied into the span's
        SpanBuilder builder = instruments.tracer.spanBuilder(Semconv.spanName(method)).setSpanKind(SpanKind.SERVER)
                .setParent(parent)
                .setAttribute(Semconv.HTTP_REQUEST_METHOD, method)
                .setAttribute(Semconv.URL_SCHEME, scheme)
                .setAttribute(Semconv.NETWORK_PROTOCOL_VERSION, request.httpVersion());
        if (!method.equals(request.method())) {
            builder.setAttribute(Semconv.HTTP_REQUEST_METHOD_ORIGINAL, request.method());
        }
        InetSocketAddress client = exchange.clientAddress();
        if (client != null) {
            builder.setAttribute(Semconv.CLIENT_ADDRESS, client.getHostString());
        }
        host(request.header("Host"), builder);
        this.span = builder.startSpan();
        this.context = parent.with(span);
        exchange.put(Telemetry.CONTEXT, context);
        this.active = instruments.active(method, scheme);
        instruments.activeRequests.add(1, active);
    }

    /**
     * Starts the server span of this request when the gateway has telemetry, and ends it when the request completes;
     * returns {@code null}, having done nothing, when it has none.
     */
    public static ServerSpan start(Gateway gateway, Context exchange, Request request) {
        Instruments instruments = Instruments.of(gateway.telemetry());
        if (instruments == null) {
            return null;
        }
        instruments.watch(gateway);
        ServerSpan span = new ServerSpan(instruments, exchange, request);
        exchange.onComplete(span);
        return span;
    }

    /**
     * Marks the span and counts the response when it is partial: an aggregation that answered without some of its
     * parts.
     */
    public void responded(Context exchange, Response answer) {
        if ("true".equals(answer.headers().get(Aggregator.PARTIAL_HEADER))) {
            span.setAttribute(Semconv.PARTIAL, true);
            Route route = exchange.route();
            instruments.partialResponses.add(1, route != null
                    ? Attributes.of(Semconv.HTTP_ROUTE, route.pattern()) : Attributes.empty());
        }
    }

    /** Starts the client span of one attempt of an upstream call, a child of this span. */
    public ClientSpan client(Upstream upstream, Endpoint endpoint, String requestMethod, int resend) {
        if (resend > 0) {
            instruments.retries.add(1, Attributes.of(Semconv.UPSTREAM, upstream.name()));
        }
        return new ClientSpan(instruments, context, upstream, endpoint, requestMethod, resend);
    }

    /** Ends the span with the request's outcome and records the server metrics. */
    @Override
    public void accept(Completion completion) {
        instruments.activeRequests.add(-1, active);
        Route route = completion.route();
        int status = completion.status();
        Throwable failure = completion.failure();
        String errorType;
        if (failure instanceof GatewayException refused) {
            errorType = status >= 500 ? refused.error() : null;
            span.setAttribute(Semconv.ERROR, refused.error());
            if (status == 401 || status == 403 || status == 429) {
                span.addEvent("portico.rejected", Attributes.of(Semconv.ERROR, refused.error(),
                        Semconv.HTTP_RESPONSE_STATUS_CODE, (long) status));
            }
        } else if (failure != null) {
            errorType = Semconv.errorType(failure);
            span.recordException(failure);
        } else {
            errorType = Semconv.errorType(status);
        }
        if (route != null) {
            span.updateName(Semconv.spanName(method) + " " + route.pattern());
            span.setAttribute(Semconv.HTTP_ROUTE, route.pattern());
            span.setAttribute(Semconv.ROUTE_ID, route.id());
        }
        span.setAttribute(Semconv.HTTP_RESPONSE_STATUS_CODE, status);
        if (errorType != null) {
            span.setAttribute(Semconv.ERROR_TYPE, errorType);
            span.setStatus(StatusCode.ERROR);
        }
        instruments.serverDuration.record(completion.duration().toNanos() / 1e9, instruments.serverDuration(method,
                scheme, status, route != null ? route.pattern() : null, errorType));
        if (status == 429 && failure instanceof GatewayException) {
            instruments.rateLimited.add(1, route != null ? Attributes.of(Semconv.HTTP_ROUTE, route.pattern())
                    : Attributes.empty());
        }
        span.end();
    }

    /** Records {@code server.address} and {@code server.port} from the Host header, when it has them. */
    private static void host(String host, SpanBuilder span) {
        if (host == null || host.isEmpty()) {
            return;
        }
        int colon = host.lastIndexOf(':');
        int bracket = host.lastIndexOf(']');
        String name = colon > bracket ? host.substring(0, colon) : host;
        if (name.startsWith("[") && name.endsWith("]")) {
            name = name.substring(1, name.length() - 1);
        }
        span.setAttribute(Semconv.SERVER_ADDRESS, name);
        if (colon > bracket) {
            try {
                span.setAttribute(Semconv.SERVER_PORT, Integer.parseInt(host.substring(colon + 1)));
            } catch (NumberFormatException e) {
                // a malformed port is left out, not guessed
            }
        }
    }
}
