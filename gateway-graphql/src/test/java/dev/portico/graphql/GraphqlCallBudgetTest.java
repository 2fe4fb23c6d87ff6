package dev.portico.graphql;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.portico.core.Handler;
import dev.portico.core.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One request makes at most {@code maxUpstreamCalls} upstream calls: a field whose call would exceed the budget fails
 * with {@code upstream_call_budget_exceeded} and no call, and the response keeps what did resolve.
 */
class GraphqlCallBudgetTest {

    private static final String SPENT_CODE = "upstream_call_budget_exceeded";

    private Shop shop;

    @AfterEach
    void stop() {
        if (shop != null) {
            shop.close();
        }
    }

    private static List<JsonObject> errors(Client.Reply reply) {
        JsonElement errors = reply.json().get("errors");
        return errors == null ? List.of()
                : errors.getAsJsonArray().asList().stream().map(JsonElement::getAsJsonObject).toList();
    }

    @Test
    void theDefaultBudgetIsFiftyCalls() {
        assertThat(GraphqlEndpoint.builder(Shop.SDL).build().maxUpstreamCalls()).isEqualTo(50);
        assertThat(GraphqlEndpoint.builder(Shop.SDL).maxUpstreamCalls(7).build().maxUpstreamCalls()).isEqualTo(7);
    }

    @Test
    void refusesABudgetBelowOne() {
        assertThatThrownBy(() -> GraphqlEndpoint.builder(Shop.SDL).maxUpstreamCalls(0))
                .hasMessage("maxUpstreamCalls: 0 (expected: >= 1)");
    }

    @Test
    void distinctCallsOverTheDefaultBudgetAreRefusedAndTheRestOfTheDataStays() throws Exception {
        shop = new Shop(endpoint -> endpoint);
        String query = IntStream.range(0, 60).mapToObj(i -> "u" + i + ": user(id: \"u" + i + "\") { id }")
                .collect(Collectors.joining(" ", "{ ", " }"));

        Client.Reply reply = shop.client.post(query, Shop.bearer("alice"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(shop.users.received()).hasSize(50);
        JsonObject data = reply.json().getAsJsonObject("data");
        List<String> resolved = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        data.entrySet().forEach(entry -> (entry.getValue().isJsonNull() ? refused : resolved).add(entry.getKey()));
        assertThat(resolved).hasSize(50).allSatisfy(alias ->
                assertThat(data.getAsJsonObject(alias).get("id").getAsString()).isEqualTo(alias));
        assertThat(shop.users.received()).extracting(Backend.Received::path)
                .containsExactlyInAnyOrderElementsOf(resolved.stream().map(id -> "/users/" + id).toList());
        assertThat(errors(reply)).hasSize(10).allSatisfy(error -> {
            assertThat(error.get("message").getAsString()).isEqualTo("the query exceeded its budget of 50 upstream calls");
            assertThat(error.getAsJsonObject("extensions").get("code").getAsString()).isEqualTo(SPENT_CODE);
            assertThat(error.getAsJsonObject("extensions").get("classification").getAsString())
                    .isEqualTo("LIMIT_EXCEEDED");
        }).extracting(error -> error.getAsJsonArray("path").get(0).getAsString())
                .containsExactlyInAnyOrderElementsOf(refused);
    }

    @Test
    void aSharedCallSpendsNoBudget() throws Exception {
        shop = new Shop(endpoint -> endpoint.maxUpstreamCalls(1));

        Client.Reply reply = shop.client.post("{ a: me { id } b: me { id } c: me { id } product(id: \"p1\") { id } }",
                Shop.bearer("alice"));

        assertThat(reply.at("data.c.id").getAsString()).isEqualTo("alice");
        assertThat(reply.at("data.product").isJsonNull()).isTrue();
        assertThat(reply.at("errors.0.path").toString()).isEqualTo("[\"product\"]");
        assertThat(reply.at("errors.0.extensions.code").getAsString()).isEqualTo(SPENT_CODE);
        assertThat(shop.users.received()).hasSize(1);
        assertThat(shop.products.received()).isEmpty();
    }

    @Test
    void eachCallOfALoaderSpendsTheBudget() throws Exception {
        // the orders, then one call per distinct product (p1, p2): three calls, with room for two
        shop = new Shop(endpoint -> endpoint.maxUpstreamCalls(2));

        Client.Reply reply = shop.client.post("{ orders { id product { name } } }", Shop.bearer("alice"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.at("data.orders.3.id").getAsString()).isEqualTo("o4");
        assertThat(shop.orders.received()).hasSize(1);
        assertThat(shop.products.received()).hasSize(1);
        assertThat(errors(reply)).isNotEmpty().allSatisfy(error ->
                assertThat(error.getAsJsonObject("extensions").get("code").getAsString()).isEqualTo(SPENT_CODE));
    }

    @Test
    void aBatchLoadersCallSpendsTheBudget() throws Exception {
        shop = new Shop(endpoint -> endpoint.maxUpstreamCalls(1));
        Shop roomy = new Shop(endpoint -> endpoint.maxUpstreamCalls(2));

        try (roomy) {
            Client.Reply refused = shop.client.post("{ me { friends { id } } }", Shop.bearer("alice"));
            Client.Reply answered = roomy.client.post("{ me { friends { id } } }", Shop.bearer("alice"));

            assertThat(shop.users.received()).extracting(Backend.Received::target).containsExactly("/users/alice");
            assertThat(refused.at("errors.0.path").toString()).isEqualTo("[\"me\",\"friends\"]");
            assertThat(refused.at("errors.0.extensions.code").getAsString()).isEqualTo(SPENT_CODE);
            assertThat(answered.at("data.me.friends.1.id").getAsString()).isEqualTo("u3");
            assertThat(roomy.users.received()).extracting(Backend.Received::target)
                    .containsExactly("/users/alice", "/users?ids=u2,u3");
        }
    }

    @Test
    void aCallToALocalHandlerSpendsTheBudget() throws Exception {
        AtomicInteger handled = new AtomicInteger();
        Handler local = (request, context) -> {
            handled.incrementAndGet();
            return CompletableFuture.completedFuture(Response.json(200, "\"local\""));
        };
        shop = new Shop(endpoint -> endpoint.maxUpstreamCalls(1).field("Query", "whoami", (env, calls) ->
                calls.send(local, calls.request("GET", "/whoami").build())
                        .thenCompose(response -> calls.json("local", response))));

        Client.Reply reply = shop.client.post("{ a: whoami b: whoami }", Shop.bearer("alice"));

        assertThat(handled).hasValue(1);
        assertThat(reply.at("data.a").getAsString()).isEqualTo("local");
        assertThat(reply.at("data.b").isJsonNull()).isTrue();
        assertThat(reply.at("errors.0.extensions.code").getAsString()).isEqualTo(SPENT_CODE);
    }

    @Test
    void theBudgetIsPerRequest() throws Exception {
        shop = new Shop(endpoint -> endpoint.maxUpstreamCalls(1));

        Client.Reply first = shop.client.post("{ product(id: \"p1\") { id } }", Shop.bearer("alice"));
        Client.Reply second = shop.client.post("{ product(id: \"p2\") { id } }", Shop.bearer("alice"));

        assertThat(first.at("data.product.id").getAsString()).isEqualTo("p1");
        assertThat(second.at("data.product.id").getAsString()).isEqualTo("p2");
        assertThat(shop.products.received()).hasSize(2);
    }
}
