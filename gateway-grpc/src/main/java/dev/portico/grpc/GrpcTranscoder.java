package dev.portico.grpc;

import com.google.api.HttpRule;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import dev.portico.core.Route;
import dev.portico.core.observe.Telemetry;
import dev.portico.grpc.internal.AddressListResolver;
import dev.portico.grpc.internal.DescriptorPool;
import dev.portico.grpc.internal.JsonBodies;
import dev.portico.grpc.internal.MetadataMapping;
import dev.portico.grpc.internal.PathTemplate;
import dev.portico.grpc.internal.RpcInstruments;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The gateway's side of one gRPC upstream: one channel to its target, reused by every call and closed with
 * {@link #close()} (hand the transcoder to {@code Gateway.Builder.resource} to close it with the gateway), the
 * protobuf descriptors of its services, and the routes or {@link GrpcMethod handlers} that transcode REST/JSON
 * requests into calls of its methods, with dynamic messages (no generated classes).
 *
 * <pre>{@code
 * GrpcTranscoder shop = GrpcTranscoder.builder("dns:///shop.internal:9090")
 *         .descriptorSet(Path.of("shop.pb"))          // protoc --descriptor_set_out --include_imports
 *         .forwardHeaders("X-User-Id")
 *         .build();
 * Gateway.Builder gateway = Gateway.builder().resource(shop);
 * shop.routes().forEach(route -> gateway.route(route.filter(jwt)));   // from the google.api.http annotations
 * }</pre>
 */
public final class GrpcTranscoder implements AutoCloseable {

    /** The request headers that become call metadata unless {@link Builder#forwardHeaders} adds others. */
    public static final List<String> DEFAULT_FORWARDED_HEADERS = List.of("traceparent", "tracestate");

    /** The deadline of a call whose route has no timeout, unless {@link Builder#deadline} says otherwise. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);

    /** The largest JSON body read when the route sets no bound, unless {@link Builder#maxBodySize} says otherwise. */
    public static final long DEFAULT_MAX_BODY_SIZE = 1024 * 1024;

    /**
     * The deepest nesting of arrays and objects taken in a JSON body, unless {@link Builder#maxBodyDepth} says
     * otherwise: each level of a {@code google.protobuf.Struct} is three message levels, so 32 keeps any message
     * built from a body under the 100 levels that protobuf parses.
     */
    public static final int DEFAULT_MAX_BODY_DEPTH = 32;

    /**
     * The most JSON values (objects, arrays, strings, numbers, booleans, nulls) taken in a body, unless
     * {@link Builder#maxBodyValues} says otherwise: a realistic 1 MiB body has fewer (10 bytes a value or more), while
     * the message of a body of bare numbers ({@code [0,0,...]}) stays within tens of MiB of memory while it is built.
     */
    public static final int DEFAULT_MAX_BODY_VALUES = 100_000;

    private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    private final String target;
    private final DescriptorPool descriptors;
    private final ManagedChannel channel;
    private final JsonBodies json;
    private final MetadataMapping metadata;
    private final RpcInstruments instruments;
    private final Duration deadline;
    private final long maxBodySize;
    private final int maxBodyDepth;
    private final int maxBodyValues;
    private final boolean ignoreUnknownQueryParameters;
    private final Map<String, Integer> statuses;
    /** A test's view of the thread that converts each JSON body into its message; {@code null} outside tests. */
    volatile Consumer<Thread> conversionObserver;

    private GrpcTranscoder(Builder b) {
        this.target = b.target;
        this.descriptors = b.descriptors;
        this.json = new JsonBodies(descriptors.types(), b.ignoreUnknownFields, b.preserveProtoFieldNames,
                b.includeDefaultValues);
        this.metadata = new MetadataMapping(List.copyOf(b.forwardHeaders), List.copyOf(b.responseHeaders), b.telemetry);
        this.instruments = RpcInstruments.of(b.telemetry, target);
        this.deadline = b.deadline;
        this.maxBodySize = b.maxBodySize;
        this.maxBodyDepth = b.maxBodyDepth;
        this.maxBodyValues = b.maxBodyValues;
        this.ignoreUnknownQueryParameters = b.ignoreUnknownQueryParameters;
        this.statuses = Map.copyOf(b.statuses);
        this.channel = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
                .defaultLoadBalancingPolicy(b.loadBalancingPolicy)
                .directExecutor() // every callback only completes a stage or hands a chunk on: none blocks
                .disableRetry()   // a call is sent once, as a route's own proxying does without a retry policy
                .userAgent("portico")
                .build();
    }

    /**
     * Returns a builder for the upstream at this gRPC target: {@code dns:///host:port} (every address the name
     * resolves to, balanced round robin by default), or {@code host:port}.
     */
    public static Builder builder(String target) {
        Objects.requireNonNull(target, "target");
        if (target.isBlank()) {
            throw new IllegalArgumentException("target: \"\" (expected: such as dns:///host:port)");
        }
        return new Builder(target);
    }

    /**
     * Returns a builder for the upstream at these addresses, balanced round robin by default; a name is resolved
     * once, now.
     */
    public static Builder builder(List<InetSocketAddress> addresses) {
        return new Builder(AddressListResolver.target(List.copyOf(Objects.requireNonNull(addresses, "addresses"))));
    }

    /** Returns a builder of the handler that calls this method, {@code package.Service/Method}. */
    public GrpcMethod.Builder method(String fullName) {
        return new GrpcMethod.Builder(this, descriptors.method(Objects.requireNonNull(fullName, "fullName")));
    }

    /**
     * Returns a route builder for each {@code google.api.http} binding (additional bindings included) of every
     * method of every service in the descriptors, in declaration order, each with the id
     * {@code package.Service/Method} ({@code #2}, {@code #3} for more bindings of one method); add filters and a
     * timeout to each before handing them to the gateway.
     *
     * @throws IllegalArgumentException for a binding that routes cannot express (see {@link PathTemplate})
     */
    public List<Route.Builder> routes() {
        List<Route.Builder> routes = new ArrayList<>();
        for (ServiceDescriptor service : descriptors.services().values()) {
            addRoutes(service, routes);
        }
        return routes;
    }

    /** Returns the route builders of one service's bindings, as {@link #routes()} does for all. */
    public List<Route.Builder> routes(String service) {
        ServiceDescriptor found = descriptors.services().get(Objects.requireNonNull(service, "service"));
        if (found == null) {
            throw new IllegalArgumentException("service: " + service + " (expected one of "
                    + descriptors.services().keySet() + ')');
        }
        List<Route.Builder> routes = new ArrayList<>();
        addRoutes(found, routes);
        return routes;
    }

    private void addRoutes(ServiceDescriptor service, List<Route.Builder> routes) {
        for (MethodDescriptor method : service.getMethods()) {
            HttpRule rule = DescriptorPool.httpRule(method);
            if (rule == null) {
                continue;
            }
            String id = service.getFullName() + '/' + method.getName();
            routes.add(route(method, rule, id));
            for (int i = 0; i < rule.getAdditionalBindingsCount(); i++) {
                routes.add(route(method, rule.getAdditionalBindings(i), id + '#' + (i + 2)));
            }
        }
    }

    private Route.Builder route(MethodDescriptor method, HttpRule rule, String id) {
        String verb;
        String template;
        switch (rule.getPatternCase()) {
            case GET -> { verb = "GET"; template = rule.getGet(); }
            case POST -> { verb = "POST"; template = rule.getPost(); }
            case PUT -> { verb = "PUT"; template = rule.getPut(); }
            case PATCH -> { verb = "PATCH"; template = rule.getPatch(); }
            case DELETE -> { verb = "DELETE"; template = rule.getDelete(); }
            case CUSTOM -> { verb = rule.getCustom().getKind().toUpperCase(Locale.ROOT); template = rule.getCustom().getPath(); }
            default -> throw new IllegalArgumentException("method " + method.getFullName()
                    + ": its google.api.http rule has no pattern");
        }
        PathTemplate path;
        try {
            path = PathTemplate.parse(template);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("method " + method.getFullName() + ": " + e.getMessage(), e);
        }
        GrpcMethod.Builder handler = new GrpcMethod.Builder(this, method);
        path.captures().forEach(handler::capture);
        Integer status = statuses.get(method.getService().getFullName() + '/' + method.getName());
        if (status != null) {
            handler.status(status);
        }
        if (!rule.getBody().isEmpty()) {
            handler.body(rule.getBody());
        }
        if (!rule.getResponseBody().isEmpty()) {
            handler.responseBody(rule.getResponseBody());
        }
        return Route.any(path.pattern()).methods(verb).id(id).handler(handler.build());
    }

    /** Returns the gRPC target. */
    public String target() {
        return target;
    }

    ManagedChannel channel() {
        return channel;
    }

    JsonBodies json() {
        return json;
    }

    MetadataMapping metadata() {
        return metadata;
    }

    /** Returns the instruments of the calls, or {@code null} without telemetry. */
    RpcInstruments instruments() {
        return instruments;
    }

    Duration deadline() {
        return deadline;
    }

    long maxBodySize() {
        return maxBodySize;
    }

    int maxBodyDepth() {
        return maxBodyDepth;
    }

    int maxBodyValues() {
        return maxBodyValues;
    }

    boolean ignoresUnknownQueryParameters() {
        return ignoreUnknownQueryParameters;
    }

    /**
     * Closes the channel: calls in flight get 5 seconds to finish, then are cancelled.
     * Must not run on an IO thread.
     */
    @Override
    public void close() {
        channel.shutdown();
        try {
            if (!channel.awaitTermination(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                channel.shutdownNow();
            }
        } catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "GrpcTranscoder{" + target + ", " + descriptors.services().keySet() + '}';
    }

    /** A builder of {@link GrpcTranscoder}; {@link #build()} needs descriptors and opens the channel. */
    public static final class Builder {

        private final String target;
        private DescriptorPool descriptors;
        private final Set<String> forwardHeaders = new LinkedHashSet<>(DEFAULT_FORWARDED_HEADERS);
        private final Set<String> responseHeaders = new LinkedHashSet<>();
        private Telemetry telemetry;
        private Duration deadline = DEFAULT_DEADLINE;
        private long maxBodySize = DEFAULT_MAX_BODY_SIZE;
        private int maxBodyDepth = DEFAULT_MAX_BODY_DEPTH;
        private int maxBodyValues = DEFAULT_MAX_BODY_VALUES;
        private boolean ignoreUnknownFields;
        private boolean ignoreUnknownQueryParameters;
        private boolean preserveProtoFieldNames;
        private boolean includeDefaultValues;
        private String loadBalancingPolicy = "round_robin";
        private final Map<String, Integer> statuses = new HashMap<>();

        private Builder(String target) {
            this.target = target;
        }

        /** Reads the services and messages from a serialized {@code FileDescriptorSet} with its imports. */
        public Builder descriptorSet(byte[] descriptorSet) {
            this.descriptors = DescriptorPool.parse(Objects.requireNonNull(descriptorSet, "descriptorSet"));
            return this;
        }

        /**
         * Reads the services and messages from a file that {@code protoc --descriptor_set_out=FILE --include_imports}
         * wrote.
         */
        public Builder descriptorSet(Path file) {
            Objects.requireNonNull(file, "file");
            try {
                return descriptorSet(Files.readAllBytes(file));
            } catch (IOException e) {
                throw new UncheckedIOException("descriptor set: cannot read " + file, e);
            }
        }

        /** Takes the services and messages of these files (such as a generated class's {@code getDescriptor()}). */
        public Builder descriptors(FileDescriptor... files) {
            this.descriptors = DescriptorPool.of(Arrays.asList(files));
            return this;
        }

        /**
         * Adds request headers that become call metadata (lower-cased), such as identity headers ({@code X-User-Id});
         * {@code traceparent} and {@code tracestate} are forwarded by default, and the request id always goes under
         * the gateway's request id header, lower-cased ({@code x-request-id} by default), when request ids are on.
         */
        public Builder forwardHeaders(String... names) {
            for (String name : names) {
                forwardHeaders.add(MetadataMapping.check(Objects.requireNonNull(name, "name"), "forwarded header"));
            }
            return this;
        }

        /** Adds response metadata keys (headers or trailers) that become response headers, such as {@code x-trace-id}. */
        public Builder responseHeaders(String... names) {
            for (String name : names) {
                responseHeaders.add(MetadataMapping.check(Objects.requireNonNull(name, "name"), "response header"));
            }
            return this;
        }

        /**
         * Traces each call with a client span, a child of the request's server span, and records its duration
         * ({@code rpc.client.call.duration}), through this telemetry (use the gateway's); the call's metadata carries
         * the client span's context through its propagators, replacing any forwarded {@code traceparent}.
         */
        public Builder telemetry(Telemetry telemetry) {
            this.telemetry = Objects.requireNonNull(telemetry, "telemetry");
            return this;
        }

        /** Sets the deadline of calls on routes without a timeout (default {@link #DEFAULT_DEADLINE}). */
        public Builder deadline(Duration deadline) {
            Objects.requireNonNull(deadline, "deadline");
            if (deadline.isNegative() || deadline.isZero()) {
                throw new IllegalArgumentException("deadline: " + deadline + " (expected: > 0)");
            }
            this.deadline = deadline;
            return this;
        }

        /** Sets the largest JSON body read on routes without a body bound (default 1 MiB). */
        public Builder maxBodySize(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("maxBodySize: " + bytes + " (expected: >= 0)");
            }
            this.maxBodySize = bytes;
            return this;
        }

        /**
         * Sets the deepest nesting of arrays and objects taken in a JSON body (default
         * {@link #DEFAULT_MAX_BODY_DEPTH}); a deeper body answers 400 before any call. Above 32, a body into
         * {@code google.protobuf.Struct} or {@code Value} fields may make a message deeper than the 100 levels
         * protobuf parses.
         */
        public Builder maxBodyDepth(int levels) {
            this.maxBodyDepth = GrpcMethod.checkDepth(levels);
            return this;
        }

        /**
         * Sets the most JSON values (objects, arrays, strings, numbers, booleans, nulls) taken in a body (default
         * {@link #DEFAULT_MAX_BODY_VALUES}); a body with more answers 400 before any call.
         */
        public Builder maxBodyValues(int values) {
            this.maxBodyValues = GrpcMethod.checkValues(values);
            return this;
        }

        /** Ignores the body's fields that the message lacks, instead of answering 400. */
        public Builder ignoreUnknownFields() {
            this.ignoreUnknownFields = true;
            return this;
        }

        /** Ignores query parameters that name no field, instead of answering 400. */
        public Builder ignoreUnknownQueryParameters() {
            this.ignoreUnknownQueryParameters = true;
            return this;
        }

        /** Writes replies with the proto field names ({@code display_name}) instead of the JSON names ({@code displayName}). */
        public Builder preserveProtoFieldNames() {
            this.preserveProtoFieldNames = true;
            return this;
        }

        /** Writes fields at their default value (0, "", false, [], {}) instead of leaving them out. */
        public Builder includeDefaultValues() {
            this.includeDefaultValues = true;
            return this;
        }

        /**
         * Sets grpc-java's load-balancing policy over the target's addresses (default {@code round_robin}; also
         * {@code pick_first}).
         */
        public Builder loadBalancing(String policy) {
            this.loadBalancingPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Sets the success status of the routes that {@link #routes()} makes for a method,
         * {@code package.Service/Method} (default 200), such as 201 for a create: {@code google.api.http} cannot say it.
         */
        public Builder status(String method, int status) {
            Objects.requireNonNull(method, "method");
            if (status < 200 || status > 299) {
                throw new IllegalArgumentException("status: " + status + " (expected: 200-299)");
            }
            statuses.put(method, status);
            return this;
        }

        /** Returns the transcoder, with its channel open (it connects on the first call). */
        public GrpcTranscoder build() {
            if (descriptors == null) {
                throw new IllegalStateException("descriptors: none (expected: descriptorSet(...) or descriptors(...))");
            }
            for (String method : statuses.keySet()) {
                descriptors.method(method); // throws for a method the descriptors lack
            }
            return new GrpcTranscoder(this);
        }
    }
}
