package dev.portico.examples.guide;

import com.google.gson.JsonObject;
import dev.portico.core.Body;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.auth.JwtAuth;
import dev.portico.core.upstream.Upstream;
import dev.portico.graphql.GraphqlEndpoint;
import dev.portico.graphql.Loader;
import dev.portico.graphql.Loaders;
import dev.portico.graphql.Resolve;
import dev.portico.graphql.Resolver;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The code quoted in docs/graphql.md, compiled so that it cannot rot; one static method per snippet. */
public final class GraphqlExamples {

    private GraphqlExamples() {
    }

    static final String SDL = """
            type Query { me: User  products(category: String): [Product!]!  orders: [Order!]! }
            type Mutation { placeOrder(productId: ID!, quantity: Int!): Order }
            type User { id: ID!  name: String! }
            type Product { id: ID!  name: String! }
            type Order { id: ID!  userId: ID!  productId: ID!  user: User!  product: Product }
            """;

    static Gateway shop(JwtAuth jwt, Upstream users, Upstream products, Upstream orders) {
        GraphqlEndpoint graphql = GraphqlEndpoint.builder(SDL)
                .field("Query", "me", Resolve.get(users, "/users/{sub}"))                 // the caller's subject
                .field("Query", "products", Resolve.get(products, "/products?category={category}"))
                .field("Query", "orders", Resolve.get(orders, "/orders"))                 // X-User-Id is forwarded
                .field("Order", "user", Resolve.load("users", "source.userId"))           // batched per request
                .field("Order", "product", Resolve.load("products", "source.productId"))
                .loader("users", Loaders.batch(users, "/users?ids={keys}", "id"))         // one call for all ids
                .loader("products", Loaders.each(products, "/products/{key}"))           // one call per distinct id
                .maxDepth(8)
                .maxComplexity(200)
                .maxQuerySize(8 * 1024)
                .introspection(false)
                .build();
        return Gateway.builder()
                .route(Route.any("/graphql").methods("GET", "POST").filter(jwt).handler(graphql))
                .build();
    }

    static Resolver placeOrder(Upstream orders) {
        return (env, calls) -> {
            JsonObject order = new JsonObject();
            order.addProperty("productId", env.<String>getArgument("productId"));
            order.addProperty("quantity", env.<Integer>getArgument("quantity"));
            return calls.send(orders, calls.request("POST", "/orders")
                            .header("Content-Type", "application/json").body(Body.of(order.toString())).build())
                    .thenCompose(response -> calls.json(orders, response));          // 2xx JSON, 404 null, else 502
        };
    }

    static Resolver firstProducts(Upstream products) {
        return (env, calls) -> calls.get(products, "/products").thenApply(all -> {
            Integer limit = env.getArgument("limit");
            List<?> list = (List<?>) all;
            return limit == null || limit >= list.size() ? list : list.subList(0, Math.max(0, limit));
        });
    }

    static Loader stockByProduct(Upstream inventory) {
        return (keys, calls) -> calls.get(inventory, "/stock?ids=" + String.join(",", keys)).thenApply(answer -> {
            Map<String, Object> byId = new HashMap<>();                          // answer: {"p1": 12, "p2": 0}
            ((Map<?, ?>) answer).forEach((id, level) -> byId.put(String.valueOf(id), level));
            return byId;                                                          // keys left out are null
        });
    }
}
