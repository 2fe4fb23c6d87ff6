package dev.portico.graphql;

import dev.portico.core.Body;
import dev.portico.core.Context;
import dev.portico.core.GatewayException;
import dev.portico.core.Handler;
import dev.portico.core.Headers;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.graphql.internal.DocumentCache;
import dev.portico.graphql.internal.FieldErrors;
import dev.portico.graphql.internal.GraphqlRequest;
import dev.portico.graphql.internal.Json;
import graphql.ExecutionInput;
import graphql.ExecutionResult;
import graphql.GraphQL;
import graphql.analysis.MaxQueryComplexityInstrumentation;
import graphql.analysis.MaxQueryDepthInstrumentation;
import graphql.execution.instrumentation.ChainedInstrumentation;
import graphql.execution.instrumentation.dataloader.DataLoaderDispatchingContextKeys;
import graphql.introspection.Introspection;
import graphql.language.FieldDefinition;
import graphql.language.ObjectTypeDefinition;
import graphql.language.ObjectTypeExtensionDefinition;
import graphql.language.OperationDefinition;
import graphql.schema.DataFetcher;
import graphql.schema.GraphQLSchema;
import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.SchemaGenerator;
import graphql.schema.idl.SchemaParser;
import graphql.schema.idl.TypeDefinitionRegistry;
import graphql.schema.idl.TypeRuntimeWiring;
import graphql.schema.idl.errors.SchemaProblem;
import org.dataloader.DataLoaderFactory;
import org.dataloader.DataLoaderOptions;
import org.dataloader.DataLoaderRegistry;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A route's target that serves a GraphQL schema over HTTP (the GraphQL-over-HTTP spec: POST {@code application/json}
 * and GET for queries), whose fields resolve through the gateway's upstream calls; it answers every well-formed
 * request with a GraphQL response ({@code data} and {@code errors}, each error with its message, path and locations,
 * never an exception's class or stack trace), and refuses a malformed one with the gateway's JSON error.
 *
 * <pre>{@code
 * Route.post("/graphql").filter(jwt).handler(GraphqlEndpoint.builder(sdl)
 *         .field("Query", "products", Resolve.get(products, "/products?category={category}"))
 *         .field("Order", "product", Resolve.load("products", "source.productId"))
 *         .loader("products", Loaders.each(products, "/products/{key}"))
 *         .maxDepth(8)
 *         .build())
 * }</pre>
 */
public final class GraphqlEndpoint implements Handler {

    /** The media type of the GraphQL-over-HTTP spec's responses, answered when the client accepts it. */
    public static final String GRAPHQL_RESPONSE_JSON = "application/graphql-response+json";

    /** The caller's headers never forwarded to upstreams by default: those describing the GraphQL request's own body. */
    private static final Set<String> OWN_HEADERS = caseInsensitive(List.of("Accept", "Accept-Encoding", "Content-Length",
            "Content-Type", "Content-Encoding", "Transfer-Encoding", "Expect", "Host"));

    private final GraphQL graphql;
    private final Map<String, Loader> loaders;
    private final int maxQuerySize;
    private final long maxBodySize;
    private final long maxResponseSize;
    private final boolean introspection;
    private final Set<String> forwardHeaders;
    private final int maxDepth;
    private final int maxComplexity;
    private final DataLoaderOptions loaderOptions;
    private final Duration deadline;
    private final int maxUpstreamCalls;

    private GraphqlEndpoint(Builder b, GraphQLSchema schema) {
        this.loaders = Map.copyOf(b.loaders);
        this.maxQuerySize = b.maxQuerySize;
        this.maxBodySize = b.maxBodySize;
        this.maxResponseSize = b.maxResponseSize;
        this.introspection = b.introspection;
        this.forwardHeaders = b.forwardHeaders == null ? null : caseInsensitive(b.forwardHeaders);
        this.maxDepth = b.maxDepth;
        this.maxComplexity = b.maxComplexity;
        this.loaderOptions = DataLoaderOptions.newOptions().setMaxBatchSize(b.maxBatchSize).build();
        this.deadline = b.deadline;
        this.maxUpstreamCalls = b.maxUpstreamCalls;
        GraphQL.Builder graphql = GraphQL.newGraphQL(schema)
                .instrumentation(new ChainedInstrumentation(List.of(
                        new MaxQueryDepthInstrumentation(b.maxDepth),
                        new MaxQueryComplexityInstrumentation(b.maxComplexity))))
                .defaultDataFetcherExceptionHandler(new FieldErrors());
        if (b.documentCache > 0) {
            graphql.preparsedDocumentProvider(new DocumentCache(b.documentCache));
        }
        this.graphql = graphql.build();
    }

    private static Set<String> caseInsensitive(List<String> names) {
        Set<String> set = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        set.addAll(names);
        return set;
    }

    /** Returns a builder of an endpoint serving the schema in this SDL (queries and mutations; no subscriptions). */
    public static Builder builder(String sdl) {
        return new Builder(sdl);
    }

    /** Returns the deepest field nesting a query may have. */
    public int maxDepth() {
        return maxDepth;
    }

    /** Returns the largest complexity (fields counted over the whole query) a query may have. */
    public int maxComplexity() {
        return maxComplexity;
    }

    /** Returns the largest query document accepted, in UTF-8 bytes. */
    public int maxQuerySize() {
        return maxQuerySize;
    }

    /** Returns how many upstream calls one request may make. */
    public int maxUpstreamCalls() {
        return maxUpstreamCalls;
    }

    /** Returns whether introspection queries are answered. */
    public boolean introspection() {
        return introspection;
    }

    /** Answers a GraphQL request; see the class's contract. */
    @Override
    public CompletionStage<Response> handle(Request request, Context context) {
        try {
            String method = request.method();
            if (method.equals("GET") || method.equals("HEAD")) {
                GraphqlRequest params = GraphqlRequest.fromQuery(request);
                checkSize(params);
                if (params.isNotQuery()) {
                    throw GatewayException.methodNotAllowed(method + " for a mutation", Set.of("POST"));
                }
                return execute(params, request, context);
            }
            if (!method.equals("POST")) {
                throw GatewayException.methodNotAllowed(method, Set.of("GET", "HEAD", "POST"));
            }
            if (!isJson(request.header("Content-Type"))) {
                throw new GatewayException(415, "unsupported_media_type", "a POST must send application/json");
            }
            return request.body().bytes(maxBodySize).thenCompose(bytes -> {
                GraphqlRequest params = GraphqlRequest.fromBody(new String(bytes, StandardCharsets.UTF_8));
                checkSize(params);
                return execute(params, request, context);
            });
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Returns whether a {@code Content-Type} is {@code application/json}, with or without parameters. */
    private static boolean isJson(String type) {
        if (type == null) {
            return false;
        }
        int semicolon = type.indexOf(';');
        return (semicolon < 0 ? type : type.substring(0, semicolon)).trim().equalsIgnoreCase("application/json");
    }

    private void checkSize(GraphqlRequest params) {
        if (params.querySize() > maxQuerySize) {
            throw new GatewayException(413, "payload_too_large", "the query exceeds " + maxQuerySize + " bytes");
        }
    }

    private CompletionStage<Response> execute(GraphqlRequest params, Request request, Context context) {
        DataLoaderRegistry registry = new DataLoaderRegistry();
        Duration limit = deadline != null ? deadline
                : context.route() != null && context.route().timeout() != null ? context.route().timeout() : null;
        Calls calls = new Calls(context, request, forwarded(request), maxResponseSize, limit, maxUpstreamCalls);
        loaders.forEach((name, loader) -> registry.register(name,
                DataLoaderFactory.<String, Object>newMappedDataLoader(keys -> loader.load(keys, calls), loaderOptions)));
        ExecutionInput input = ExecutionInput.newExecutionInput()
                .query(params.query())
                .operationName(params.operationName())
                .variables(params.variables())
                .graphQLContext(graphqlContext -> graphqlContext
                        .put(Calls.class, calls)
                        .put(Introspection.INTROSPECTION_DISABLED, !introspection)
                        // dispatch the loaders whenever no field is left to fetch: resolvers complete asynchronously
                        .put(DataLoaderDispatchingContextKeys.ENABLE_DATA_LOADER_EXHAUSTED_DISPATCHING, true))
                .dataLoaderRegistry(registry)
                .locale(Locale.ROOT)                        // graphql-java's own messages in English, whatever the JVM's
                .build();
        String mediaType = mediaType(request.header("Accept"));
        CompletableFuture<ExecutionResult> execution = graphql.executeAsync(input);
        if (limit != null) {
            // a timer on the JDK's delay thread, cancelled as soon as the query completes
            CompletableFuture<Void> timer = new CompletableFuture<Void>().orTimeout(limit.toMillis(), TimeUnit.MILLISECONDS);
            timer.whenComplete((done, timedOut) -> {
                if (timedOut != null) {
                    calls.expire();
                }
            });
            execution.whenComplete((result, failure) -> timer.complete(null));
        }
        return execution.thenApply(result -> response(result, mediaType));
    }

    private Headers forwarded(Request request) {
        Headers.Builder headers = Headers.builder();
        request.headers().forEach((name, value) -> {
            if (forwardHeaders == null ? !OWN_HEADERS.contains(name) : forwardHeaders.contains(name)) {
                headers.add(name, value);
            }
        });
        return headers.build();
    }

    /** Returns {@code application/graphql-response+json} when the client accepts it, else {@code application/json}. */
    private static String mediaType(String accept) {
        return accept != null && accept.toLowerCase(Locale.ROOT).contains(GRAPHQL_RESPONSE_JSON)
                ? GRAPHQL_RESPONSE_JSON : "application/json";
    }

    /**
     * Returns the GraphQL response: 200, except that a response without {@code data} (the request failed before
     * execution: a syntax or validation error, a limit) is 400 in {@code application/graphql-response+json}, as the
     * spec requires.
     */
    private static Response response(ExecutionResult result, String mediaType) {
        Map<String, Object> body = result.toSpecification();
        int status = mediaType.equals(GRAPHQL_RESPONSE_JSON) && !body.containsKey("data") ? 400 : 200;
        return Response.builder(status)
                .header("Content-Type", mediaType + "; charset=utf-8")
                .body(Body.of(Json.write(body)))
                .build();
    }

    /** A builder of {@link GraphqlEndpoint}; {@link #build()} checks the SDL and that every wired field exists. */
    public static final class Builder {

        private final String sdl;
        private final Map<String, Map<String, Resolver>> resolvers = new LinkedHashMap<>();
        private final Map<String, Loader> loaders = new LinkedHashMap<>();
        private int maxDepth = 15;
        private int maxComplexity = 1000;
        private int maxQuerySize = 16 * 1024;
        private long maxBodySize = 1024 * 1024;
        private long maxResponseSize = 1024 * 1024;
        private boolean introspection = true;
        private int documentCache = 256;
        private int maxBatchSize = 100;
        private int maxUpstreamCalls = 50;
        private Duration deadline;
        private List<String> forwardHeaders;

        private Builder(String sdl) {
            this.sdl = Objects.requireNonNull(sdl, "sdl");
        }

        /**
         * Resolves a field of an object type (such as {@code Query}) with this resolver, replacing an earlier one for
         * the same field; a field without a resolver reads its parent's property of the same name.
         */
        public Builder field(String type, String field, Resolver resolver) {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(resolver, "resolver");
            resolvers.computeIfAbsent(type, t -> new LinkedHashMap<>()).put(field, resolver);
            return this;
        }

        /**
         * Declares a DataLoader of this name, made anew for each request (so it batches and caches within one request
         * only), replacing an earlier one of the same name; resolvers reach it with
         * {@code env.getDataLoader(name)}, or through {@link Resolve#load}.
         */
        public Builder loader(String name, Loader loader) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(loader, "loader");
            loaders.put(name, loader);
            return this;
        }

        /**
         * Sets how many keys a loader is given at a time (default 100): a request that asks for more makes more
         * calls, all at once, so that a batch call's target stays short.
         */
        public Builder maxBatchSize(int keys) {
            this.maxBatchSize = atLeastOne(keys, "maxBatchSize");
            return this;
        }

        /**
         * Sets how many upstream calls one request may make (default 50): every call made through {@link Calls},
         * a loader's batch included, counts one, except a {@link Calls#get} that shares an identical earlier one's
         * call; a field whose call would exceed it fails with {@code upstream_call_budget_exceeded}, no call is made,
         * and the response carries what had resolved.
         */
        public Builder maxUpstreamCalls(int calls) {
            this.maxUpstreamCalls = atLeastOne(calls, "maxUpstreamCalls");
            return this;
        }

        /**
         * Sets the deadline of a whole query (default: the route's timeout, or none when the route has none): when it
         * passes, the calls in flight are aborted and their fields fail with {@code gateway_timeout}, no new call is
         * made, and the response carries what had resolved.
         */
        public Builder deadline(Duration deadline) {
            Objects.requireNonNull(deadline, "deadline");
            if (deadline.isNegative() || deadline.isZero()) {
                throw new IllegalArgumentException("deadline: " + deadline + " (expected: > 0)");
            }
            this.deadline = deadline;
            return this;
        }

        /** Sets the deepest field nesting a query may have (default 15): a deeper query gets an error and no data. */
        public Builder maxDepth(int depth) {
            this.maxDepth = atLeastOne(depth, "maxDepth");
            return this;
        }

        /**
         * Sets the largest complexity a query may have, each field counting one (default 1000): a more complex query
         * gets an error and no data.
         */
        public Builder maxComplexity(int complexity) {
            this.maxComplexity = atLeastOne(complexity, "maxComplexity");
            return this;
        }

        /** Sets the largest query document, in UTF-8 bytes (default 16 KiB), checked before parsing: 413 beyond. */
        public Builder maxQuerySize(int bytes) {
            this.maxQuerySize = atLeastOne(bytes, "maxQuerySize");
            return this;
        }

        /** Sets the largest POST body, query and variables (default 1 MiB): 413 beyond. */
        public Builder maxBodySize(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxBodySize: " + bytes + " (expected: >= 1)");
            }
            this.maxBodySize = bytes;
            return this;
        }

        /** Sets the largest upstream answer a resolver reads as JSON (default 1 MiB): the field fails with 502 beyond. */
        public Builder maxResponseSize(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxResponseSize: " + bytes + " (expected: >= 1)");
            }
            this.maxResponseSize = bytes;
            return this;
        }

        /**
         * Sets how many parsed and validated query documents are kept, by query text, so that a repeated query is
         * parsed and validated once (default 256; 0 keeps none); all are forgotten at once when the cache is full.
         */
        public Builder documentCache(int entries) {
            if (entries < 0) {
                throw new IllegalArgumentException("documentCache: " + entries + " (expected: >= 0)");
            }
            this.documentCache = entries;
            return this;
        }

        /** Sets whether introspection ({@code __schema}, {@code __type}) is answered (default {@code true}). */
        public Builder introspection(boolean enabled) {
            this.introspection = enabled;
            return this;
        }

        /**
         * Sets which of the caller's headers every upstream call carries; by default every one but those describing
         * the GraphQL request's own body ({@code Content-Type}, {@code Content-Length}, {@code Accept}, ...), so the
         * identity headers the gateway's filters set flow as they do on a proxied route. Name them here if you narrow
         * the list.
         */
        public Builder forwardHeaders(String... names) {
            List<String> list = new ArrayList<>();
            for (String name : names) {
                list.add(Objects.requireNonNull(name, "name"));
            }
            this.forwardHeaders = list;
            return this;
        }

        private static int atLeastOne(int value, String name) {
            if (value < 1) {
                throw new IllegalArgumentException(name + ": " + value + " (expected: >= 1)");
            }
            return value;
        }

        /** Returns the endpoint; throws {@link IllegalArgumentException} for bad SDL or a field it does not declare. */
        public GraphqlEndpoint build() {
            TypeDefinitionRegistry types;
            try {
                types = new SchemaParser().parse(sdl);
            } catch (SchemaProblem e) {
                throw new IllegalArgumentException("sdl: " + e.getMessage(), e);
            }
            RuntimeWiring.Builder wiring = RuntimeWiring.newRuntimeWiring();
            resolvers.forEach((type, fields) -> {
                TypeRuntimeWiring.Builder typeWiring = TypeRuntimeWiring.newTypeWiring(type);
                fields.forEach((field, resolver) -> {
                    checkDeclared(types, type, field);
                    typeWiring.dataFetcher(field, fetcher(resolver));
                });
                wiring.type(typeWiring);
            });
            GraphQLSchema schema;
            try {
                schema = new SchemaGenerator().makeExecutableSchema(types, wiring.build());
            } catch (SchemaProblem e) {
                throw new IllegalArgumentException("sdl: " + e.getMessage(), e);
            }
            if (schema.getSubscriptionType() != null) {
                throw new IllegalArgumentException("sdl: declares subscriptions (expected: queries and mutations only)");
            }
            return new GraphqlEndpoint(this, schema);
        }

        private static void checkDeclared(TypeDefinitionRegistry types, String type, String field) {
            List<FieldDefinition> fields = new ArrayList<>();
            ObjectTypeDefinition declared = types.getTypeOrNull(type, ObjectTypeDefinition.class);
            if (declared != null) {
                fields.addAll(declared.getFieldDefinitions());
            }
            types.objectTypeExtensions().getOrDefault(type, List.of())
                    .forEach((ObjectTypeExtensionDefinition t) -> fields.addAll(t.getFieldDefinitions()));
            if (fields.stream().noneMatch(f -> f.getName().equals(field))) {
                throw new IllegalArgumentException("field " + type + '.' + field + ": not declared in the SDL");
            }
        }

        private static DataFetcher<Object> fetcher(Resolver resolver) {
            return env -> {
                try {
                    Calls calls = env.getGraphQlContext().get(Calls.class);
                    if (env.getOperationDefinition().getOperation() == OperationDefinition.Operation.MUTATION) {
                        calls.stopSharing();
                    }
                    CompletionStage<?> value = resolver.resolve(env, calls);
                    return value == null ? CompletableFuture.completedFuture(null) : value.toCompletableFuture();
                } catch (RuntimeException e) {
                    return CompletableFuture.failedFuture(e);
                }
            };
        }
    }
}
