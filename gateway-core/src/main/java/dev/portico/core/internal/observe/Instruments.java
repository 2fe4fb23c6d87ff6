package dev.portico.core.internal.observe;

import dev.portico.core.Gateway;
import dev.portico.core.observe.Telemetry;
import dev.portico.core.resilience.CircuitBreaker;
import dev.portico.core.upstream.Endpoint;
import dev.portico.core.upstream.Upstream;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongUpDownCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.TextMapPropagator;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.Function;

/**
 * The tracer, the propagator and the instruments of one {@link Telemetry}, created once; the gauges observe the
 * upstreams of the gateways that served a request with it.
 */
public final class Instruments {

    /** The instrumentation scope's name. */
    public static final String SCOPE = "dev.portico.gateway";

    /** The buckets that the HTTP semantic conventions advise for request durations, in seconds. */
    static final List<Double> DURATION_BUCKETS = List.of(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0,
            2.5, 5.0, 7.5, 10.0);

    private static volatile Function<Telemetry, Instruments> access;

    final Tracer tracer;
    final TextMapPropagator propagator;
    final DoubleHistogram serverDuration;
    final DoubleHistogram clientDuration;
    final LongUpDownCounter activeRequests;
    final LongCounter rateLimited;
    final LongCounter retries;
    final LongCounter partialResponses;
    final AttributeSets sets = new AttributeSets();
    private final Map<Gateway, Boolean> gateways = Collections.synchronizedMap(new WeakHashMap<>());
    private volatile Gateway lastWatched;

    /** Creates the tracer and the instruments of this OpenTelemetry instance. */
    public Instruments(OpenTelemetry openTelemetry) {
        this.tracer = openTelemetry.getTracer(SCOPE);
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
        Meter meter = openTelemetry.getMeter(SCOPE);
        this.serverDuration = meter.histogramBuilder("http.server.request.duration").setUnit("s")
                .setDescription("Duration of HTTP server requests.")
                .setExplicitBucketBoundariesAdvice(DURATION_BUCKETS).build();
        this.clientDuration = meter.histogramBuilder("http.client.request.duration").setUnit("s")
                .setDescription("Duration of HTTP client requests.")
                .setExplicitBucketBoundariesAdvice(DURATION_BUCKETS).build();
        this.activeRequests = meter.upDownCounterBuilder("http.server.active_requests").setUnit("{request}")
                .setDescription("Number of active HTTP server requests.").build();
        this.rateLimited = meter.counterBuilder("portico.rate_limit.rejections").setUnit("{request}")
                .setDescription("Requests the gateway refused with 429 because a rate limit was exceeded.").build();
        this.retries = meter.counterBuilder("portico.upstream.retries").setUnit("{attempt}")
                .setDescription("Upstream call attempts that retried an earlier one.").build();
        this.partialResponses = meter.counterBuilder("portico.aggregation.partial_responses").setUnit("{response}")
                .setDescription("Aggregated responses sent without some of their parts.").build();
        meter.gaugeBuilder("portico.upstream.circuit_breaker.state").ofLongs().setUnit("{state}")
                .setDescription("1 for the state each upstream's circuit breaker is in, 0 for the others.")
                .buildWithCallback(this::observeBreakers);
        meter.gaugeBuilder("portico.upstream.instances").ofLongs().setUnit("{instance}")
                .setDescription("Instances of each upstream by state: available, ejected, or unhealthy "
                        + "(failing its health check).")
                .buildWithCallback(this::observeInstances);
    }

    /** What decides the attributes of a server request's measurements; {@code status} 0 for active requests. */
    record ServerKey(String method, String scheme, int status, String route, String errorType) {
    }

    /** What decides the attributes that every measurement of an upstream attempt shares. */
    record ClientKey(String upstream, Endpoint endpoint, String method) {
    }

    /**
     * What decides the attributes of an upstream attempt's duration. {@code base} is one of this cache's own sets, so
     * it compares by identity: hashing a set hashes every key and value in it, on every request.
     */
    record ClientResult(Attributes base, int status, String errorType) {

        @Override
        public boolean equals(Object other) {
            return other instanceof ClientResult that && base == that.base && status == that.status
                    && Objects.equals(errorType, that.errorType);
        }

        @Override
        public int hashCode() {
            return (31 * System.identityHashCode(base) + status) * 31 + Objects.hashCode(errorType);
        }
    }

    /** Returns the attributes of {@code http.server.active_requests}. */
    Attributes active(String method, String scheme) {
        return sets.get(new ServerKey(method, scheme, 0, null, null), Instruments::server);
    }

    /** Returns the attributes of {@code http.server.request.duration}. */
    Attributes serverDuration(String method, String scheme, int status, String route, String errorType) {
        return sets.get(new ServerKey(method, scheme, status, route, errorType), Instruments::server);
    }

    /** Returns the attributes an upstream attempt's span and duration share. */
    Attributes client(Upstream upstream, Endpoint endpoint, String method) {
        return sets.get(new ClientKey(upstream.name(), endpoint, method), key -> Attributes.builder()
                .put(Semconv.HTTP_REQUEST_METHOD, key.method())
                .put(Semconv.SERVER_ADDRESS, key.endpoint().host())
                .put(Semconv.SERVER_PORT, key.endpoint().port())
                .put(Semconv.URL_SCHEME, key.endpoint().scheme())
                .put(Semconv.UPSTREAM, key.upstream())
                .build());
    }

    /** Returns the attributes of {@code http.client.request.duration}: {@code base} with the status and error. */
    Attributes clientDuration(Attributes base, int status, String errorType) {
        return sets.get(new ClientResult(base, status, errorType), key -> {
            AttributesBuilder attributes = key.base().toBuilder();
            if (key.status() > 0) {
                attributes.put(Semconv.HTTP_RESPONSE_STATUS_CODE, key.status());
            }
            if (key.errorType() != null) {
                attributes.put(Semconv.ERROR_TYPE, key.errorType());
            }
            return attributes.build();
        });
    }

    private static Attributes server(ServerKey key) {
        AttributesBuilder attributes = Attributes.builder()
                .put(Semconv.HTTP_REQUEST_METHOD, key.method())
                .put(Semconv.URL_SCHEME, key.scheme());
        if (key.status() > 0) {
            attributes.put(Semconv.HTTP_RESPONSE_STATUS_CODE, key.status());
        }
        if (key.route() != null) {
            attributes.put(Semconv.HTTP_ROUTE, key.route());
        }
        if (key.errorType() != null) {
            attributes.put(Semconv.ERROR_TYPE, key.errorType());
        }
        return attributes.build();
    }

    /** Called once by {@link Telemetry}: how to reach a telemetry's instruments. */
    public static void access(Function<Telemetry, Instruments> access) {
        Instruments.access = access;
    }

    /** Returns the instruments of this telemetry, or {@code null} for none. */
    public static Instruments of(Telemetry telemetry) {
        return telemetry == null ? null : access.apply(telemetry);
    }

    /** Makes the gauges observe this gateway's upstreams while it is reachable; cheap when it already does. */
    void watch(Gateway gateway) {
        if (lastWatched != gateway) {
            gateways.put(gateway, Boolean.TRUE);
            lastWatched = gateway;
        }
    }

    private List<Upstream> upstreams() {
        List<Gateway> watched;
        synchronized (gateways) {
            watched = new ArrayList<>(gateways.keySet());
        }
        Set<Upstream> upstreams = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Gateway gateway : watched) {
            upstreams.addAll(gateway.upstreams());
        }
        return new ArrayList<>(upstreams);
    }

    private void observeBreakers(ObservableLongMeasurement measurement) {
        for (Upstream upstream : upstreams()) {
            CircuitBreaker breaker = upstream.circuitBreaker();
            if (breaker == null) {
                continue;
            }
            CircuitBreaker.State state = breaker.state();
            for (CircuitBreaker.State each : CircuitBreaker.State.values()) {
                measurement.record(each == state ? 1 : 0, Attributes.of(Semconv.UPSTREAM, upstream.name(),
                        Semconv.BREAKER_STATE, Semconv.lower(each)));
            }
        }
    }

    /**
     * Records each upstream's instances by state: {@code ejected} by outlier detection, else {@code unhealthy} when
     * failing the health check, else {@code available}; the three add up to the instances known, and during a panic
     * (every instance out, so all balanced over again) {@code available} still reads 0.
     */
    private void observeInstances(ObservableLongMeasurement measurement) {
        for (Upstream upstream : upstreams()) {
            Set<Endpoint> out = new HashSet<>(upstream.ejectedEndpoints());
            Set<Endpoint> failing = new HashSet<>(upstream.unhealthyEndpoints());
            int available = 0;
            int ejected = 0;
            int unhealthy = 0;
            for (Endpoint endpoint : upstream.endpoints()) {
                if (out.contains(endpoint)) {
                    ejected++;
                } else if (failing.contains(endpoint)) {
                    unhealthy++;
                } else {
                    available++;
                }
            }
            measurement.record(available, Attributes.of(Semconv.UPSTREAM, upstream.name(),
                    Semconv.INSTANCE_STATE, "available"));
            measurement.record(ejected, Attributes.of(Semconv.UPSTREAM, upstream.name(),
                    Semconv.INSTANCE_STATE, "ejected"));
            measurement.record(unhealthy, Attributes.of(Semconv.UPSTREAM, upstream.name(),
                    Semconv.INSTANCE_STATE, "unhealthy"));
        }
    }
}
