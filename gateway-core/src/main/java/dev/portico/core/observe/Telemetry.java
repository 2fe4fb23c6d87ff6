package dev.portico.core.observe;

import dev.portico.core.AttributeKey;
import dev.portico.core.internal.observe.Instruments;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;

import java.util.Objects;

/**
 * The OpenTelemetry a gateway reports to: a server span per request, a client span per upstream attempt, the
 * propagation of the trace context to upstreams through the instance's propagators, and the HTTP and gateway metrics.
 * A gateway without one records nothing and costs nothing, and so does one whose OpenTelemetry has neither an SDK nor
 * propagators behind it; with propagators alone ({@code OpenTelemetry.propagating}) it records nothing but passes the
 * client's trace context on to every upstream call.
 */
public final class Telemetry {

    /**
     * The request's OpenTelemetry context, holding its server span (and the client's baggage), on every request's
     * {@link dev.portico.core.Context} when the gateway has telemetry: filters and handlers that make calls of their
     * own start their spans under it or propagate it.
     */
    public static final AttributeKey<Context> CONTEXT = AttributeKey.of("portico.otel.context", Context.class);

    static {
        Instruments.access(telemetry -> telemetry.instruments);
    }

    private final OpenTelemetry openTelemetry;
    private final Instruments instruments;

    private Telemetry(OpenTelemetry openTelemetry) {
        this.openTelemetry = openTelemetry;
        // the API without an SDK or propagators (OpenTelemetry.noop(), or GlobalOpenTelemetry before one is
        // installed) neither records nor propagates whatever the gateway does, so the gateway does nothing for it;
        // with propagators alone (OpenTelemetry.propagating) it passes the client's context on, recording nothing
        boolean noop = openTelemetry.getTracerProvider() == TracerProvider.noop()
                && openTelemetry.getMeterProvider() == MeterProvider.noop()
                && openTelemetry.getPropagators().getTextMapPropagator() == TextMapPropagator.noop();
        this.instruments = noop ? null : new Instruments(openTelemetry);
    }

    /**
     * Returns telemetry that reports through this OpenTelemetry instance: its tracer and meter providers, and its
     * text-map propagators for the context that clients send and upstreams receive (W3C trace context and baggage
     * when it is configured so).
     */
    public static Telemetry of(OpenTelemetry openTelemetry) {
        return new Telemetry(Objects.requireNonNull(openTelemetry, "openTelemetry"));
    }

    /** Returns the OpenTelemetry instance this reports through. */
    public OpenTelemetry openTelemetry() {
        return openTelemetry;
    }
}
