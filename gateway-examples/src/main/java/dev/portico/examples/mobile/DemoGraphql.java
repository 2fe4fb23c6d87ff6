package dev.portico.examples.mobile;

import dev.portico.core.Filter;
import dev.portico.core.Handler;
import dev.portico.core.Route;
import dev.portico.core.auth.Principal;
import dev.portico.core.upstream.Upstream;
import dev.portico.graphql.Calls;
import dev.portico.graphql.GraphqlEndpoint;
import dev.portico.graphql.Loaders;
import dev.portico.graphql.Resolve;
import org.dataloader.DataLoader;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The demo's {@code POST /graphql} (and {@code GET} for queries): EXAMPLE.md's schema over the user, product and order
 * services, for the caller of a demo token; a query deeper than 8 field levels is refused, introspection is off, and
 * a query makes at most the endpoint's default of 50 upstream calls, identical lookups (such as aliases of {@code me})
 * once.
 */
final class DemoGraphql {

    /** EXAMPLE.md's schema. */
    static final String SDL = """
            type Query { me: User!  orders: [Order!]!  products(limit: Int): [Product!]!  product(id: ID!): Product }
            type User { id: ID!  name: String!  email: String!  orders: [Order!]! }
            type Product { id: ID!  name: String!  priceCents: Int! }
            type Order { id: ID!  userId: ID!  productId: ID!  quantity: Int!  totalCents: Int!  createdAt: String!  user: User!  product: Product }
            """;

    /** The deepest field nesting a query may have. */
    static final int MAX_DEPTH = 8;

    private DemoGraphql() {
    }

    /**
     * Returns the {@code /graphql} route: {@code caller} authenticates (401 without a valid token) and sets
     * {@code X-User-Id}, which every upstream call carries; each call has the route's {@code timeout}.
     */
    static Route.Builder route(Filter caller, Upstream users, Upstream products, Handler listOrders, Duration timeout) {
        return Route.any("/graphql").methods("GET", "POST").id("graphql").filter(caller).timeout(timeout)
                .handler(endpoint(users, products, listOrders));
    }

    static GraphqlEndpoint endpoint(Upstream users, Upstream products, Handler listOrders) {
        Objects.requireNonNull(listOrders, "listOrders");
        return GraphqlEndpoint.builder(SDL)
                .field("Query", "me", Resolve.get(users, "/users/{sub}"))
                .field("Query", "orders", (env, calls) -> callersOrders(env.getDataLoader("orders"), calls))
                .field("Query", "products", (env, calls) -> calls.get(products, "/products")
                        .thenApply(all -> first((List<?>) all, env.getArgument("limit"))))
                .field("Query", "product", Resolve.get(products, "/products/{id}"))
                .field("User", "orders", (env, calls) -> {
                    Principal principal = calls.principal();
                    Map<?, ?> user = env.getSource();
                    // the order service shows a user only their own orders
                    return principal != null && principal.subject().equals(user.get("id"))
                            ? callersOrders(env.getDataLoader("orders"), calls)
                            : CompletableFuture.completedFuture(List.of());
                })
                .field("Order", "user", Resolve.load("users", "source.userId"))
                .field("Order", "product", Resolve.load("products", "source.productId"))
                .loader("users", Loaders.each(users, "/users/{key}"))
                .loader("products", Loaders.each(products, "/products/{key}"))
                .loader("orders", (subjects, calls) -> callersOrders(listOrders, calls)
                        .thenApply(list -> Map.of(calls.principal().subject(), list)))
                .maxDepth(MAX_DEPTH)
                .introspection(false)
                .build();
    }

    /**
     * Returns the caller's orders as the JSON array {@code GET /api/orders} answers, from the order service's
     * transcoded {@code ListOrders} (the caller's {@code X-User-Id} travels as metadata), one of the query's upstream
     * calls.
     */
    private static CompletionStage<Object> callersOrders(Handler listOrders, Calls calls) {
        return calls.send(listOrders, calls.request("GET", "/orders").build())
                .thenCompose(response -> calls.json("orders", response));
    }

    /** Returns the caller's orders through the request's loader, so that a query reads them once. */
    private static CompletionStage<Object> callersOrders(DataLoader<String, Object> loader, Calls calls) {
        Principal principal = calls.principal();
        return principal == null ? CompletableFuture.completedFuture(List.of()) : loader.load(principal.subject());
    }

    private static List<?> first(List<?> all, Integer limit) {
        return limit == null || limit >= all.size() ? all : all.subList(0, Math.max(0, limit));
    }
}
