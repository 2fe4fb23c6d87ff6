package dev.portico.examples.mobile;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;

import static dev.portico.examples.mobile.Http.json;
import static org.assertj.core.api.Assertions.assertThat;

/** EXAMPLE.md's GraphQL: {@code POST /graphql} over the user, product and order services, for the token's caller. */
class DemoGraphqlTest {

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
}
