package dev.portico.grpc.internal;

import dev.portico.core.Context;
import dev.portico.core.Headers;
import dev.portico.core.Request;
import dev.portico.core.internal.pipeline.Pipeline;
import dev.portico.core.observe.Telemetry;
import io.grpc.Metadata;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which request headers become call metadata (with the request id under its gateway's header name and, with
 * telemetry, the call's span context), and which response metadata (headers and trailers) becomes response headers.
 */
public final class MetadataMapping {

    private static final Metadata.Key<String> REQUEST_ID = key("x-request-id");
    private static final RequestIdKey DEFAULT_REQUEST_ID = new RequestIdKey("X-Request-Id", REQUEST_ID);

    private static final Set<String> RESERVED = Set.of("content-type", "te", "host", "connection", "user-agent",
            "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "content-length");

    private static final TextMapSetter<Metadata> SETTER = (metadata, name, value) -> {
        if (metadata != null) {
            Metadata.Key<String> key = key(name.toLowerCase(Locale.ROOT));
            metadata.removeAll(key);
            metadata.put(key, value);
        }
    };

    private final List<Metadata.Key<String>> forwarded;
    private final List<Metadata.Key<String>> exposed;
    private final TextMapPropagator propagator;
    /** The key of the last request id header name seen: one gateway's, so nearly always the same. */
    private volatile RequestIdKey requestIdKey = DEFAULT_REQUEST_ID;

    /** A request id header's name and the metadata key of its value. */
    private record RequestIdKey(String header, Metadata.Key<String> key) {
    }

    /**
     * Creates the mapping.
     *
     * @param forwarded  the request headers sent as metadata
     * @param exposed    the response metadata sent back as headers
     * @param telemetry  the gateway's telemetry, whose propagators write the trace context, or {@code null}
     */
    public MetadataMapping(List<String> forwarded, List<String> exposed, Telemetry telemetry) {
        this.forwarded = keys(forwarded, "forwarded header");
        this.exposed = keys(exposed, "response header");
        this.propagator = telemetry == null ? null
                : telemetry.openTelemetry().getPropagators().getTextMapPropagator();
    }

    private static List<Metadata.Key<String>> keys(List<String> names, String what) {
        List<Metadata.Key<String>> keys = new ArrayList<>();
        for (String name : names) {
            keys.add(key(check(name, what)));
        }
        return List.copyOf(keys);
    }

    /** Checks a header name that maps to metadata and returns it in lower case. */
    public static String check(String name, String what) {
        String lower = name.toLowerCase(Locale.ROOT);
        boolean valid = !lower.isEmpty() && !lower.startsWith("grpc-") && !lower.startsWith(":")
                && !lower.endsWith("-bin") && !RESERVED.contains(lower);
        for (int i = 0; valid && i < lower.length(); i++) {
            char c = lower.charAt(i);
            valid = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        }
        if (!valid) {
            throw new IllegalArgumentException(what + ": " + name
                    + " (expected: a header name that is not reserved by HTTP/2 or gRPC, not ending in -bin)");
        }
        return lower;
    }

    private static Metadata.Key<String> key(String name) {
        return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
    }

    /**
     * Returns the metadata of a call made for this request: the forwarded headers, the request id, and the trace
     * context of the call's span (or, without one, the request's server span).
     */
    public Metadata requestMetadata(Request request, Context context, RpcSpan span) {
        Metadata metadata = new Metadata();
        Headers headers = request.headers();
        for (Metadata.Key<String> key : forwarded) {
            for (String value : headers.getAll(key.originalName())) {
                if (isPrintableAscii(value)) {
                    metadata.put(key, value);
                }
            }
        }
        String requestId = context.requestId();
        if (requestId != null) {
            Metadata.Key<String> key = requestIdKey(context);
            metadata.removeAll(key);
            metadata.put(key, requestId);
        }
        if (propagator != null) {
            io.opentelemetry.context.Context trace = span != null ? span.context() : context.get(Telemetry.CONTEXT);
            if (trace != null) {
                propagator.inject(trace, metadata, SETTER);
            }
        }
        return metadata;
    }

    /**
     * Returns the metadata key of the request id: the gateway's request id header, lower-cased, or
     * {@code x-request-id} when the context does not tell it or the name cannot be a metadata key.
     */
    private Metadata.Key<String> requestIdKey(Context context) {
        String header = context instanceof Pipeline pipeline ? pipeline.gateway().requestIds().headerName() : null;
        if (header == null) {
            return REQUEST_ID;
        }
        RequestIdKey last = requestIdKey;
        if (!last.header().equals(header)) {
            Metadata.Key<String> key;
            try {
                key = key(check(header, "request id header"));
            } catch (IllegalArgumentException e) {
                key = REQUEST_ID;
            }
            last = new RequestIdKey(header, key);
            requestIdKey = last;
        }
        return last.key();
    }

    /** Adds the exposed entries of these metadata (headers, then trailers; either may be {@code null}). */
    public void exposeTo(Headers.Builder headers, Metadata first, Metadata second) {
        for (Metadata.Key<String> key : exposed) {
            add(headers, key, first);
            add(headers, key, second);
        }
    }

    /** Returns whether any metadata is exposed as headers. */
    public boolean exposesAny() {
        return !exposed.isEmpty();
    }

    private static void add(Headers.Builder headers, Metadata.Key<String> key, Metadata metadata) {
        if (metadata == null) {
            return;
        }
        Iterable<String> values = metadata.getAll(key);
        if (values != null) {
            for (String value : values) {
                headers.add(key.originalName(), value);
            }
        }
    }

    private static boolean isPrintableAscii(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
