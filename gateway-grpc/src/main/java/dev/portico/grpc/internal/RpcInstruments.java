package dev.portico.grpc.internal;

import dev.portico.core.internal.observe.Instruments;
import dev.portico.core.observe.Telemetry;
import io.grpc.Status;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.trace.Tracer;

import java.util.List;

/**
 * The tracer and the {@code rpc.client.call.duration} histogram of one transcoder's calls, under the gateway's
 * instrumentation scope, with the server address and port of its target where the target names one server.
 */
public final class RpcInstruments {

    static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
    static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
    static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
    static final AttributeKey<Long> RPC_GRPC_STATUS_CODE = AttributeKey.longKey("rpc.grpc.status_code");
    static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<Boolean> CANCELLED = AttributeKey.booleanKey("portico.cancelled");

    /** The buckets the semantic conventions advise for call durations, in seconds, as core's HTTP durations use. */
    private static final List<Double> BUCKETS = List.of(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0,
            2.5, 5.0, 7.5, 10.0);

    final Tracer tracer;
    final DoubleHistogram duration;
    private final Attributes server;

    private RpcInstruments(OpenTelemetry openTelemetry, String target) {
        this.tracer = openTelemetry.getTracer(Instruments.SCOPE);
        this.duration = openTelemetry.getMeter(Instruments.SCOPE).histogramBuilder("rpc.client.call.duration")
                .setUnit("s").setDescription("Duration of outgoing gRPC calls.")
                .setExplicitBucketBoundariesAdvice(BUCKETS).build();
        this.server = server(target);
    }

    /**
     * Returns the instruments of a transcoder with this telemetry and target, or {@code null}, having done nothing,
     * when there is no telemetry or its OpenTelemetry has neither an SDK nor propagators behind it (with propagators
     * alone the calls' spans are the API's no-op ones, which carry the client's context on).
     */
    public static RpcInstruments of(Telemetry telemetry, String target) {
        return Instruments.of(telemetry) == null ? null : new RpcInstruments(telemetry.openTelemetry(), target);
    }

    /** Returns the instruments of calls of one method, {@code service/name}. */
    public Method method(String service, String name) {
        return new Method(this, service + '/' + name, Attributes.builder()
                .put(RPC_SYSTEM, "grpc")
                .put(RPC_SERVICE, service)
                .put(RPC_METHOD, name)
                .putAll(server)
                .build());
    }

    /**
     * Returns {@code server.address} and {@code server.port} of a target naming one server ({@code dns:///host:port},
     * {@code host:port}, a list of one address), the port only when the target has one; empty for any other target.
     */
    static Attributes server(String target) {
        String authority;
        int scheme = target.indexOf("://");
        if (scheme >= 0) {
            int path = target.indexOf('/', scheme + 3);
            authority = path < 0 ? "" : target.substring(path + 1);
        } else {
            authority = target.startsWith("unix:") ? "" : target;
        }
        if (authority.isEmpty() || authority.indexOf(',') >= 0 || authority.indexOf('/') >= 0) {
            return Attributes.empty();
        }
        int colon = authority.lastIndexOf(':');
        int bracket = authority.lastIndexOf(']');
        String host = colon > bracket ? authority.substring(0, colon) : authority;
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            return Attributes.empty();
        }
        AttributesBuilder attributes = Attributes.builder().put(SERVER_ADDRESS, host);
        if (colon > bracket) {
            try {
                attributes.put(SERVER_PORT, Integer.parseInt(authority.substring(colon + 1)));
            } catch (NumberFormatException e) {
                // a malformed port is left out, not guessed
            }
        }
        return attributes.build();
    }

    /**
     * The span name and attributes of one method's calls; the attribute set of each outcome is built once, on its
     * first call, so recording a call's duration builds none.
     */
    public static final class Method {

        private final RpcInstruments instruments;
        final String spanName;
        final Attributes base;
        /** By status code value, twice: as an error, then as the gateway's own cancellation (no error). */
        private final Attributes[] outcomes = new Attributes[2 * Status.Code.values().length];

        private Method(RpcInstruments instruments, String spanName, Attributes base) {
            this.instruments = instruments;
            this.spanName = spanName;
            this.base = base;
        }

        RpcInstruments instruments() {
            return instruments;
        }

        /** Returns the attributes of a call that ended with this code, with {@code error.type} unless abandoned. */
        Attributes outcome(Status.Code code, boolean abandoned) {
            int index = 2 * code.value() + (abandoned ? 1 : 0);
            Attributes attributes = outcomes[index];
            if (attributes == null) { // a race builds equal sets: either may stay
                AttributesBuilder builder = base.toBuilder().put(RPC_GRPC_STATUS_CODE, code.value());
                if (code != Status.Code.OK && !abandoned) {
                    builder.put(ERROR_TYPE, code.name());
                }
                attributes = builder.build();
                outcomes[index] = attributes;
            }
            return attributes;
        }

        /** Starts the client span of one call under this parent context (the request's server span). */
        public RpcSpan start(io.opentelemetry.context.Context parent) {
            return new RpcSpan(this, parent);
        }
    }
}
