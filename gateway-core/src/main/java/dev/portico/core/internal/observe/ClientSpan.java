package dev.portico.core.internal.observe;

import dev.portico.core.Headers;
import dev.portico.core.upstream.CallListener;
import dev.portico.core.upstream.CallOutcome;
import dev.portico.core.upstream.Endpoint;
import dev.portico.core.upstream.Upstream;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.propagation.TextMapSetter;

import java.util.ArrayList;
import java.util.List;

/**
 * The client span of one attempt of an upstream call and its {@code http.client.request.duration}: started before
 * the attempt is sent, its context injected into the outgoing request, ended by the attempt's final
 * {@link CallOutcome}.
 */
public final class ClientSpan implements CallListener {

    private static final TextMapSetter<Headers.Builder> HEADERS = (headers, name, value) -> {
        if (headers != null) {
            headers.set(name, value);
        }
    };

    private final Instruments instruments;
    private final Span span;
    private final io.opentelemetry.context.Context context;
    private final Attributes base;
    private volatile int status;

    ClientSpan(Instruments instruments, io.opentelemetry.context.Context parent, Upstream upstream, Endpoint endpoint,
               String requestMethod, int resend) {
        this.instruments = instruments;
        String method = Semconv.method(requestMethod);
        this.base = instruments.client(upstream, endpoint, method);
        SpanBuilder builder = instruments.tracer.spanBuilder(Semconv.spanName(method)).setSpanKind(SpanKind.CLIENT)
                .setParent(parent)
                .setAllAttributes(base);
        if (!method.equals(requestMethod)) {
            builder.setAttribute(Semconv.HTTP_REQUEST_METHOD_ORIGINAL, requestMethod);
        }
        if (resend > 0) {
            builder.setAttribute(Semconv.HTTP_REQUEST_RESEND_COUNT, resend);
        }
        this.span = builder.startSpan();
        this.context = parent.with(span);
    }

    /** Sets this span's context in an outgoing request's headers, through the configured propagators. */
    public void inject(Headers.Builder headers) {
        instruments.propagator.inject(context, headers, HEADERS);
    }

    /** Returns these listeners and this span's, which ends it. */
    public List<CallListener> with(List<CallListener> listeners) {
        List<CallListener> all = new ArrayList<>(listeners.size() + 1);
        all.addAll(listeners);
        all.add(this);
        return all;
    }

    @Override
    public void onOutcome(CallOutcome outcome) {
        if (outcome.status() > 0) {
            status = outcome.status();
        }
        if (!outcome.isFinal()) {
            return;
        }
        int answered = status;
        String errorType = null;
        switch (outcome.kind()) {
            case BODY_FINISHED, BODY_ABORTED, RESPONSE -> errorType = answered >= 400 ? Integer.toString(answered) : null;
            case CANCELLED -> span.setAttribute(Semconv.CANCELLED, true); // the caller's choice: no error
            default -> errorType = Semconv.lower(outcome.kind());
        }
        if (answered > 0) {
            span.setAttribute(Semconv.HTTP_RESPONSE_STATUS_CODE, answered);
        }
        if (outcome.kind() == CallOutcome.Kind.BODY_ABORTED) {
            span.addEvent("portico.body_aborted");
        }
        if (errorType != null) {
            span.setAttribute(Semconv.ERROR_TYPE, errorType);
            span.setStatus(StatusCode.ERROR);
        }
        instruments.clientDuration.record(outcome.elapsed().toNanos() / 1e9,
                instruments.clientDuration(base, answered, errorType));
        span.end();
    }
}
