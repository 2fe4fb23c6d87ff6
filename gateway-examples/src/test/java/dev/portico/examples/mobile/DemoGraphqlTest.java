package dev.portico.examples.mobile;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.portico.core.Gateway;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.test.GatewayTester;
import dev.portico.test.TestResponse;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.portico.examples.mobile.Http.json;
import static org.assertj.core.api.Assertions.assertThat;

/** EXAMPLE.md's GraphQL: {@code POST /graphql} over the user, product and order services, for the token's caller. */
class DemoGraphqlTest {

    /** The services of the in-memory tests: stubbed, and nothing listens for the order service. */
    private static final MobileGateway.Services STUBBED = new MobileGateway.Services(
            "http://users.internal:8081", "http://products.internal:8082", "dns:///127.0.0.1:1");

    private static DemoConfig config(String failService) {
        return new DemoConfig(0, Duration.ZERO, Duration.ofSeconds(2), failService);
    }

    private static HttpResponse<String> query(Http http, String query, String... headers) throws Exception {
        JsonObject body = new JsonObject();
        body.addProperty("query", query);
        String[] all = new String[headers.length + 2];
        all[0] = "Content-Type";
        all[1] = "application/json";
        System.arraycopy(headers, 0, all, 2, headers.length);
        return http.post("/graphql", body.toString(), all);
    }

    @Test
    void answersMeOrdersAndProductsOfTheCaller() throws Exception {
        try (MobileDemo demo = MobileDemo.start(config(null))) {
            HttpResponse<String> response = query(new Http(demo.port()),
                    "{ me { id name email } orders { id userId quantity totalCents createdAt product { id name priceCents } user { id } }"
                            + " products(limit: 2) { id name priceCents } product(id: \"p1\") { id } }",
                    "Authorization", Http.bearer("alice"));

            assertThat(response.statusCode()).isEqualTo(200);
            JsonObject result = json(response).getAsJsonObject();
            assertThat(result.has("errors")).as(response.body()).isFalse();
            JsonObject data = result.getAsJsonObject("data");
            assertThat(data.getAsJsonObject("me").get("id").getAsString()).isEqualTo("alice");
            assertThat(data.getAsJsonObject("me").get("email").getAsString()).isEqualTo("alice@example.com");
            JsonArray orders = data.getAsJsonArray("orders");
            assertThat(orders).isNotEmpty().allSatisfy(order -> {
                JsonObject o = order.getAsJsonObject();
                assertThat(o.get("userId").getAsString()).isEqualTo("alice");
                assertThat(o.getAsJsonObject("user").get("id").getAsString()).isEqualTo("alice");
                assertThat(o.getAsJsonObject("product").get("id").getAsString()).isNotEmpty();
            });
            assertThat(data.getAsJsonArray("products")).hasSize(2);
            assertThat(data.getAsJsonObject("product").get("id").getAsString()).isEqualTo("p1");
        }
    }

    @Test
    void theClientsOwnUserIdHeaderNeverChoosesTheUser() throws Exception {
        try (MobileDemo demo = MobileDemo.start(config(null))) {
            HttpResponse<String> response = query(new Http(demo.port()), "{ me { id } orders { userId } }",
                    "Authorization", Http.bearer("bob"), "X-User-Id", "alice");

            JsonObject data = json(response).getAsJsonObject().getAsJsonObject("data");
            assertThat(data.getAsJsonObject("me").get("id").getAsString()).isEqualTo("bob");
            assertThat(data.getAsJsonArray("orders")).allSatisfy(order ->
                    assertThat(order.getAsJsonObject().get("userId").getAsString()).isEqualTo("bob"));
        }
    }

    @Test
    void requiresAToken() throws Exception {
        try (MobileDemo demo = MobileDemo.start(config(null))) {
            HttpResponse<String> response = query(new Http(demo.port()), "{ me { id } }");

            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).isPresent();
            assertThat(Http.error(response)).isEqualTo("unauthorized");
        }
    }

    @Test
    void answersEightLevelsAndRefusesNineWithAnErrorAndNoData() throws Exception {
        try (MobileDemo demo = MobileDemo.start(config(null))) {
            Http http = new Http(demo.port());
            HttpResponse<String> eight = query(http,
                    "{ me { orders { user { orders { user { orders { product { name } } } } } } } }",
                    "Authorization", Http.bearer("alice"));
            HttpResponse<String> nine = query(http,
                    "{ me { orders { user { orders { user { orders { user { orders { id } } } } } } } } }",
                    "Authorization", Http.bearer("alice"));

            assertThat(json(eight).getAsJsonObject().has("errors")).as(eight.body()).isFalse();
            JsonObject refused = json(nine).getAsJsonObject();
            assertThat(refused.has("data")).isFalse();
            assertThat(refused.getAsJsonArray("errors").get(0).getAsJsonObject().get("message").getAsString())
                    .contains("depth");
        }
    }

    @Test
    void aFailingProductServiceNullsOnlyTheProductsWithErrorsAtTheirPaths() throws Exception {
        try (MobileDemo demo = MobileDemo.start(config("product"))) {
            HttpResponse<String> response = query(new Http(demo.port()), "{ me { id } orders { id product { name } } }",
                    "Authorization", Http.bearer("alice"));

            assertThat(response.statusCode()).isEqualTo(200);
            JsonObject result = json(response).getAsJsonObject();
            JsonObject data = result.getAsJsonObject("data");
            assertThat(data.getAsJsonObject("me").get("id").getAsString()).isEqualTo("alice");
            assertThat(data.getAsJsonArray("orders")).isNotEmpty().allSatisfy(order ->
                    assertThat(order.getAsJsonObject().get("product").isJsonNull()).isTrue());
            JsonElement firstError = result.getAsJsonArray("errors").get(0);
            assertThat(firstError.getAsJsonObject().get("path").toString()).matches("\\[\"orders\",\\d+,\"product\"]");
            assertThat(response.body()).doesNotContain("Exception");
        }
    }

    @Test
    void refusesIntrospection() throws Exception {
        try (MobileDemo demo = MobileDemo.start(config(null))) {
            HttpResponse<String> response = query(new Http(demo.port()), "{ __schema { types { name } } }",
                    "Authorization", Http.bearer("alice"));

            assertThat(response.body()).containsIgnoringCase("introspection").doesNotContain("\"Order\"");
        }
    }

    @Test
    void aliasesOfMeShareOneCallToTheUserService() {
        Answered answered = askInMemory(aliases(450, i -> "me { id }"));

        assertThat(answered.response().status()).isEqualTo(200);
        JsonObject result = answered.response().json().getAsJsonObject();
        assertThat(result.has("errors")).as("errors").isFalse();
        JsonObject data = result.getAsJsonObject("data");
        assertThat(data.entrySet()).hasSize(450).extracting(entry -> entry.getValue().toString())
                .containsOnly("{\"id\":\"alice\"}");
        assertThat(answered.users()).extracting(Request::path).containsExactly("/users/alice");
    }

    @Test
    void aQueryMakesAtMostFiftyUpstreamCallsAndKeepsWhatItGot() {
        Answered answered = askInMemory(aliases(60, i -> "product(id: \"p" + i + "\") { id }"));

        assertThat(answered.response().status()).isEqualTo(200);
        JsonObject result = answered.response().json().getAsJsonObject();
        assertThat(result.getAsJsonObject("data").entrySet()).filteredOn(entry -> !entry.getValue().isJsonNull())
                .hasSize(50);
        assertThat(result.getAsJsonArray("errors")).hasSize(10).allSatisfy(error ->
                assertThat(error.getAsJsonObject().getAsJsonObject("extensions").get("code").getAsString())
                        .isEqualTo("upstream_call_budget_exceeded"));
        assertThat(answered.products()).hasSize(50);
    }

    private static String aliases(int count, IntFunction<String> field) {
        return IntStream.range(0, count).mapToObj(i -> "a" + i + ": " + field.apply(i))
                .collect(Collectors.joining(" ", "{ ", " }"));
    }

    /** A response, and the calls that reached the stubbed user and product services. */
    private record Answered(TestResponse response, List<Request> users, List<Request> products) {
    }

    /** Answers a query as alice in memory, over stubs that answer any user or product by its id. */
    private static Answered askInMemory(String query) {
        DemoConfig config = config(null);
        Gateway gateway = MobileGateway.build(config, STUBBED);
        try {
            GatewayTester tester = GatewayTester.of(gateway)
                    .stub("user-service", request -> Response.json(200, "{\"id\":\""
                            + request.path().substring("/users/".length()) + "\",\"name\":\"Alice\"}"))
                    .stub("product-service", request -> Response.json(200, "{\"id\":\""
                            + request.path().substring("/products/".length()) + "\",\"name\":\"Mug\"}"))
                    .build();
            JsonObject body = new JsonObject();
            body.addProperty("query", query);
            TestResponse response = tester.post("/graphql", body.toString())
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + DemoTokens.issue(config.jwtSecret(), "alice", Duration.ofMinutes(5)))
                    .send();
            return new Answered(response, tester.requests("user-service"), tester.requests("product-service"));
        } finally {
            gateway.close();
        }
    }
}
