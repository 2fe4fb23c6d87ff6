package dev.portico.graphql;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.auth.JwtAuth;
import dev.portico.core.upstream.Upstream;
import dev.portico.undertow.PorticoServer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * A shop over real sockets for the tests: user, product and order backends on port 0, and a gateway on port 0
 * whose {@code /graphql} (GET and POST, behind a JWT filter that sets {@code X-User-Id}) serves {@link #SDL}.
 */
final class Shop implements AutoCloseable {

    static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);

    static final String SDL = """
            type Query {
              me: User
              user(id: ID!): User
              orders: [Order!]!
              products(category: String): [Product!]!
              product(id: ID!): Product
              broken: String
              whoami: String
            }
            type Mutation { touch: String }
            type User { id: ID!  name: String!  friends: [User!]! }
            type Order { id: ID!  userId: ID!  productId: ID!  user: User!  product: Product }
            type Product { id: ID!  name: String!  category: String }
            """;

    /** Orders: users u1, u2, u1, u3 and products p1, p2, p1, p1 (so two distinct products, three distinct users). */
    static final String ORDERS = """
            [{"id":"o1","userId":"u1","productId":"p1"},{"id":"o2","userId":"u2","productId":"p2"},
             {"id":"o3","userId":"u1","productId":"p1"},{"id":"o4","userId":"u3","productId":"p1"}]""";

    final Backend users;
    final Backend products;
    final Backend orders;
    final Upstream userService;
    final Upstream productService;
    final Upstream orderService;
    final PorticoServer gateway;
    final Client client;

    Shop(UnaryOperator<GraphqlEndpoint.Builder> endpoint) throws IOException {
        this(endpoint, request -> Backend.Answer.ok(ORDERS));
    }

    Shop(UnaryOperator<GraphqlEndpoint.Builder> endpoint, Function<Backend.Received, Backend.Answer> orderBackend)
            throws IOException {
        users = Backend.start(Shop::users);
        products = Backend.start(Shop::products);
        orders = Backend.start(orderBackend);
        userService = Upstream.of("user-service", users.url());
        productService = Upstream.of("product-service", products.url());
        orderService = Upstream.of("order-service", orders.url());
        GraphqlEndpoint graphql = endpoint.apply(defaults()).build();
        JwtAuth jwt = JwtAuth.builder().hs256(SECRET).claimHeader("sub", "X-User-Id").build();
        gateway = PorticoServer.start(Gateway.builder()
                .route(Route.any("/graphql").methods("GET", "POST").filter(jwt).timeout(Duration.ofSeconds(5))
                        .handler(graphql))
                .build(), "127.0.0.1", 0);
        client = new Client(gateway.port());
    }

    /** The wiring every test shares; a test adds or overrides on top. */
    private GraphqlEndpoint.Builder defaults() {
        return GraphqlEndpoint.builder(SDL)
                .field("Query", "me", Resolve.get(userService, "/users/{sub}"))
                .field("Query", "user", Resolve.get(userService, "/users/{id}"))
                .field("Query", "orders", Resolve.get(orderService, "/orders"))
                .field("Query", "products", Resolve.get(productService, "/products?category={category}"))
                .field("Query", "product", Resolve.get(productService, "/products/{id}"))
                .field("Query", "broken", Resolve.get(productService, "/broken"))
                .field("Order", "user", Resolve.load("users", "source.userId"))
                .field("Order", "product", Resolve.load("products", "source.productId"))
                .field("User", "friends", (env, calls) -> env.<String, Object>getDataLoader("users")
                        .loadMany(List.of("u2", "u3")))
                .loader("users", Loaders.batch(userService, "/users?ids={keys}", "id"))
                .loader("products", Loaders.each(productService, "/products/{key}"));
    }

    static String token(String subject) {
        return JWT.create().withSubject(subject).withExpiresAt(Instant.now().plusSeconds(300))
                .sign(Algorithm.HMAC256(SECRET));
    }

    static String[] bearer(String subject) {
        return new String[] {"Authorization", "Bearer " + token(subject)};
    }

    private static Backend.Answer users(Backend.Received request) {
        String target = request.target();
        if (request.path().equals("/users") && target.startsWith("/users?ids=")) {
            List<String> ids = List.of(target.substring("/users?ids=".length()).split(","));
            return Backend.Answer.ok(ids.stream().map(Shop::user).collect(Collectors.joining(",", "[", "]")));
        }
        String id = request.path().substring("/users/".length());
        return id.equals("nobody") ? new Backend.Answer(404, "{\"error\":\"not_found\"}") : Backend.Answer.ok(user(id));
    }

    private static String user(String id) {
        return "{\"id\":\"" + id + "\",\"name\":\"User " + id + "\"}";
    }

    private static Backend.Answer products(Backend.Received request) {
        String path = request.path();
        if (path.equals("/broken")) {
            return new Backend.Answer(500, "{\"error\":\"java.lang.IllegalStateException: boom\"}");
        }
        if (path.equals("/products")) {
            String target = request.target();
            String category = target.contains("category=") ? target.substring(target.indexOf("category=") + 9) : "all";
            return Backend.Answer.ok("[{\"id\":\"p1\",\"name\":\"Pen\",\"category\":\"" + category + "\"}]");
        }
        String id = path.substring("/products/".length());
        return Backend.Answer.ok("{\"id\":\"" + id + "\",\"name\":\"Product " + id + "\"}");
    }

    static Map<String, Object> vars(Object... namesAndValues) {
        java.util.LinkedHashMap<String, Object> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            map.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return map;
    }

    @Override
    public void close() {
        gateway.stop(Duration.ZERO);
        users.close();
        products.close();
        orders.close();
    }
}
