package dev.portico.graphql;

import dev.portico.core.Body;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Identical GETs within one request share one upstream call and its answer; other calls are never shared. */
class GraphqlDedupTest {

    private Shop shop;

    @AfterEach
    void stop() {
        shop.close();
    }

    private static String aliases(int count, String field) {
        return IntStream.range(0, count).mapToObj(i -> "a" + i + ": " + field)
                .collect(Collectors.joining(" ", "{ ", " }"));
    }

    @Test
    void fourHundredFiftyAliasesOfOneFieldMakeOneUpstreamCall() throws Exception {
        shop = new Shop(endpoint -> endpoint);

        Client.Reply reply = shop.client.post(aliases(450, "me { id }"), Shop.bearer("alice"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().has("errors")).as(reply.body()).isFalse();
        assertThat(reply.json().getAsJsonObject("data").entrySet()).hasSize(450)
                .extracting(entry -> entry.getValue().toString())
                .containsOnly("{\"id\":\"alice\"}");
        assertThat(shop.users.received()).extracting(Backend.Received::target).containsExactly("/users/alice");
    }

    @Test
    void aFieldAndALoaderAskingForTheSameTargetShareItsCall() throws Exception {
        shop = new Shop(endpoint -> endpoint);

        Client.Reply reply = shop.client.post("{ product(id: \"p1\") { name } orders { product { name } } }",
                Shop.bearer("alice"));

        assertThat(reply.at("data.product.name").getAsString()).isEqualTo("Product p1");
        assertThat(reply.at("data.orders.3.product.name").getAsString()).isEqualTo("Product p1");
        assertThat(shop.products.received()).extracting(Backend.Received::target)
                .containsExactlyInAnyOrder("/products/p1", "/products/p2");
    }

    @Test
    void aFailedCallIsSharedLikeAnAnswer() throws Exception {
        shop = new Shop(endpoint -> endpoint);

        Client.Reply reply = shop.client.post("{ a: broken b: broken }", Shop.bearer("alice"));

        assertThat(reply.at("errors").getAsJsonArray().asList()).hasSize(2).extracting(e -> e.getAsJsonObject()
                .get("message").getAsString()).containsOnly("upstream product-service answered 500");
        assertThat(shop.products.count("/broken")).isEqualTo(1);
    }

    @Test
    void doesNotShareCallsBetweenRequests() throws Exception {
        shop = new Shop(endpoint -> endpoint);

        shop.client.post("{ a: me { id } b: me { id } }", Shop.bearer("alice"));
        shop.client.post("{ a: me { id } b: me { id } }", Shop.bearer("alice"));

        assertThat(shop.users.count("/users/alice")).isEqualTo(2);
    }

    @Test
    void neverSharesTheCallsOfAMutationNotEvenItsGets() throws Exception {
        // each touch POSTs, then GETs what it changed: a later field's GET must see the later state
        shop = new Shop(endpoint -> endpoint.field("Mutation", "touch", (env, calls) -> calls.send(shop.productService,
                        calls.request("POST", "/products/p1").body(Body.of("{}")).build())
                .thenCompose(response -> calls.json(shop.productService, response))
                .thenCompose(posted -> calls.get(shop.productService, "/products/p1"))
                .thenApply(product -> ((Map<?, ?>) product).get("name"))));

        Client.Reply reply = shop.client.post("mutation { a: touch b: touch c: touch }", Shop.bearer("alice"));

        assertThat(reply.json().toString())
                .isEqualTo("{\"data\":{\"a\":\"Product p1\",\"b\":\"Product p1\",\"c\":\"Product p1\"}}");
        assertThat(shop.products.received()).extracting(Backend.Received::method)
                .containsExactly("POST", "GET", "POST", "GET", "POST", "GET");
    }

    @Test
    void neverSharesARequestSentWithSend() throws Exception {
        shop = new Shop(endpoint -> endpoint.field("Query", "whoami", (env, calls) -> calls.send(shop.userService,
                        calls.request("GET", "/users/alice").build())
                .thenCompose(response -> calls.json(shop.userService, response))
                .thenApply(user -> "alice")));

        shop.client.post("{ a: whoami b: whoami }", Shop.bearer("alice"));

        assertThat(shop.users.count("/users/alice")).isEqualTo(2);
    }
}
