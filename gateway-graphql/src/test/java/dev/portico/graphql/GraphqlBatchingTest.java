package dev.portico.graphql;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Repeated lookups within one request go through per-request DataLoaders: batched, or once per distinct key. */
class GraphqlBatchingTest {

    private Shop shop;

    @BeforeEach
    void start() throws Exception {
        shop = new Shop(endpoint -> endpoint);
    }

    @AfterEach
    void stop() {
        shop.close();
    }

    @Test
    void fetchesTheUsersOfAllOrdersInOneBatchedCall() throws Exception {
        Client.Reply reply = shop.client.post("{ orders { id user { id name } } }", Shop.bearer("alice"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.at("data.orders.0.user.name").getAsString()).isEqualTo("User u1");
        assertThat(reply.at("data.orders.1.user.name").getAsString()).isEqualTo("User u2");
        assertThat(reply.at("data.orders.2.user.name").getAsString()).isEqualTo("User u1");
        assertThat(reply.at("data.orders.3.user.name").getAsString()).isEqualTo("User u3");
        assertThat(shop.users.received()).extracting(Backend.Received::target).containsExactly("/users?ids=u1,u2,u3");
    }

    @Test
    void splitsABatchOverMaxBatchSizeIntoSeveralCalls() throws Exception {
        shop.close();
        shop = new Shop(endpoint -> endpoint.maxBatchSize(2));

        Client.Reply reply = shop.client.post("{ orders { user { name } } }", Shop.bearer("alice"));

        assertThat(reply.at("data.orders.3.user.name").getAsString()).isEqualTo("User u3");
        assertThat(shop.users.received()).extracting(Backend.Received::target).hasSize(2)
                .allSatisfy(target -> assertThat(target).startsWith("/users?ids="))
                .extracting(target -> target.substring("/users?ids=".length()).split(",").length)
                .containsExactlyInAnyOrder(2, 1);
    }

    @Test
    void fetchesEachDistinctProductOnce() throws Exception {
        Client.Reply reply = shop.client.post("{ orders { product { id name } } }", Shop.bearer("alice"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.at("data.orders.0.product.name").getAsString()).isEqualTo("Product p1");
        assertThat(reply.at("data.orders.1.product.name").getAsString()).isEqualTo("Product p2");
        assertThat(reply.at("data.orders.3.product.name").getAsString()).isEqualTo("Product p1");
        assertThat(shop.products.received()).extracting(Backend.Received::target)
                .containsExactlyInAnyOrder("/products/p1", "/products/p2");
    }

    @Test
    void cachesLoadsAcrossLevelsOfOneRequest() throws Exception {
        // order users u1, u2, u3 load in one batch; the friends (u2, u3) one level deeper are already cached
        Client.Reply reply = shop.client.post("{ orders { user { id friends { name } } } }", Shop.bearer("alice"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.at("data.orders.0.user.friends.1.name").getAsString()).isEqualTo("User u3");
        assertThat(shop.users.count("/users")).isEqualTo(1);
    }

    @Test
    void doesNotShareLoadsBetweenRequests() throws Exception {
        shop.client.post("{ orders { product { id } } }", Shop.bearer("alice"));
        shop.client.post("{ orders { product { id } } }", Shop.bearer("bob"));

        assertThat(shop.products.countPrefix("/products/")).isEqualTo(4);
    }
}
