package dev.portico.grpc.internal;

import io.grpc.Status;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;

/**
 * The client span of one gRPC call and its {@code rpc.client.call.duration}: started before the call, its context
 * propagated in the call's metadata, ended by the call's status; a call the gateway cancelled itself (its client
 * left, an aggregation gave up on it) is not an error.
 */
public final class RpcSpan {

    private final RpcInstruments.Method method;
    private final Span span;
    private final io.opentelemetry.context.Context context;
    private final long start = System.nanoTime();
    private volatile boolean abandoned;

    RpcSpan(RpcInstruments.Method method, io.opentelemetry.context.Context parent) {
        this.method = method;
        this.span = method.instruments().tracer.spanBuilder(method.spanName).setSpanKind(SpanKind.CLIENT)
                .setParent(parent).setAllAttributes(method.base).startSpan();
        this.context = parent.with(span);
    }

    /** Returns the context that the call's metadata carries: the parent's, with this span. */
    public io.opentelemetry.context.Context context() {
        return context;
    }

    /** Notes that the gateway is cancelling the call itself, before it does. */
    public void abandon() {
        abandoned = true;
    }

    /** Ends the span with the call's status and records the call's duration; called once, when the call closes. */
    public void end(Status status) {
        Status.Code code = status.getCode();
        boolean cancelled = abandoned && code == Status.Code.CANCELLED;
        Attributes outcome = method.outcome(code, cancelled);
        span.setAttribute(RpcInstruments.RPC_GRPC_STATUS_CODE, code.value());
        if (cancelled) {
            span.setAttribute(RpcInstruments.CANCELLED, true);
        } else if (code != Status.Code.OK) {
            span.setAttribute(RpcInstruments.ERROR_TYPE, code.name());
            span.setStatus(StatusCode.ERROR);
        }
        method.instruments().duration.record((System.nanoTime() - start) / 1e9, outcome);
        span.end();
    }
}
