package dev.portico.graphql;

import dev.portico.core.upstream.SendOptions;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** A field whose upstream fails is null with an error at its path; the rest of the data still arrives. */
class GraphqlErrorsTest {

    private Shop shop;

    @AfterEach
    void stop() {
        if (shop != null) {
            shop.close();
        }
    }

    @Test
    void aFailingUpstreamGivesPartialDataAndAnErrorWithItsPath() throws Exception {
        shop = new Shop(endpoint -> endpoint);

        Client.Reply reply = shop.client.post("{ me { id }\n  broken }", Shop.bearer("alice"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.at("data.me.id").getAsString()).isEqualTo("alice");
        assertThat(reply.json().getAsJsonObject("data").get("broken").isJsonNull()).isTrue();
        assertThat(reply.at("errors").getAsJsonArray()).hasSize(1);
        assertThat(reply.at("errors.0.message").getAsString()).isEqualTo("upstream product-service answered 500");
        assertThat(reply.at("errors.0.path").toString()).isEqualTo("[\"broken\"]");
        assertThat(reply.at("errors.0.locations.0.line").getAsInt()).isEqualTo(2);
        assertThat(reply.at("errors.0.locations.0.column").getAsInt()).isEqualTo(3);
        assertThat(reply.at("errors.0.extensions.code").getAsString()).isEqualTo("bad_gateway");
        assertThat(reply.body()).doesNotContain("Exception").doesNotContain("boom");
    }

    /** An argument that cannot name a resource is the client's error, not the gateway's; no call is made. */
    @Test
    void anArgumentThatCannotNameAResourceIsABadUserInputError() throws Exception {
        shop = new Shop(endpoint -> endpoint);

        Client.Reply reply = shop.client.post("{ a: product(id: \"..\") { name } b: product(id: \"\") { name } }",
                Shop.bearer("alice"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.at("errors").getAsJsonArray()).hasSize(2).allSatisfy(error -> {
            assertThat(error.getAsJsonObject().get("message").getAsString()).isEqualTo("no usable value for {id}");
            assertThat(error.getAsJsonObject().getAsJsonObject("extensions").get("classification").getAsString())
                    .isEqualTo("BAD_USER_INPUT");
            assertThat(error.getAsJsonObject().getAsJsonObject("extensions").get("code").getAsString())
                    .isEqualTo("bad_request");
        });
    }

    @Test
    void aFailingNestedFieldIsNullAtItsListPath() throws Exception {
        shop = new Shop(endpoint -> endpoint.loader("products-broken", (keys, calls) ->
                        CompletableFuture.failedFuture(new IllegalStateException("secret detail")))
                .field("Order", "product", Resolve.load("products-broken", "source.productId")));

        Client.Reply reply = shop.client.post("{ orders { id product { name } } }", Shop.bearer("alice"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.at("data.orders.0.id").getAsString()).isEqualTo("o1");
        assertThat(reply.at("data.orders.0.product").isJsonNull()).isTrue();
        assertThat(reply.at("errors").getAsJsonArray()).hasSize(4);
        assertThat(reply.at("errors").getAsJsonArray().asList()).extracting(e -> e.getAsJsonObject().get("path").toString())
                .containsExactlyInAnyOrder("[\"orders\",0,\"product\"]", "[\"orders\",1,\"product\"]",
                        "[\"orders\",2,\"product\"]", "[\"orders\",3,\"product\"]");
        assertThat(reply.at("errors.0.message").getAsString()).isEqualTo("the field could not be resolved");
        assertThat(reply.body()).doesNotContain("secret detail").doesNotContain("IllegalState");
    }

    @Test
    void aResolverThatThrowsFailsOnlyItsField() throws Exception {
        shop = new Shop(endpoint -> endpoint.field("Query", "whoami", (env, calls) -> {
            throw new IllegalStateException("bug in a resolver");
        }));

        Client.Reply reply = shop.client.post("{ whoami me { id } }", Shop.bearer("alice"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.at("data.me.id").getAsString()).isEqualTo("alice");
        assertThat(reply.at("errors.0.path").toString()).isEqualTo("[\"whoami\"]");
        assertThat(reply.body()).doesNotContain("bug in a resolver");
    }

    @Test
    void anUpstreamSlowerThanItsTimeoutFailsOnlyItsFieldWithGatewayTimeout() throws Exception {
        try (Backend slow = Backend.start(request -> {
            try {
                Thread.sleep(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Backend.Answer.ok("\"late\"");
        })) {
            Upstream slowService = Upstream.of("slow-service", slow.url());
            shop = new Shop(endpoint -> endpoint.field("Query", "whoami", (env, calls) -> calls.context()
                    .send(slowService, calls.request("GET", "/late").build(),
                            SendOptions.builder().timeout(Duration.ofMillis(200)).build())
                    .thenCompose(response -> calls.json(slowService, response))));

            Client.Reply reply = shop.client.post("{ whoami me { id } }", Shop.bearer("alice"));

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.at("data.me.id").getAsString()).isEqualTo("alice");
            assertThat(reply.json().getAsJsonObject("data").get("whoami").isJsonNull()).isTrue();
            assertThat(reply.at("errors.0.path").toString()).isEqualTo("[\"whoami\"]");
            assertThat(reply.at("errors.0.extensions.code").getAsString()).isEqualTo("gateway_timeout");
        }
    }

    @Test
    void theQuerysDeadlineEndsSlowCallsAndAnswersWhatResolved() throws Exception {
        try (Backend slow = Backend.start(request -> {
            try {
                Thread.sleep(3_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Backend.Answer.ok("\"late\"");
        })) {
            Upstream slowService = Upstream.of("slow-service", slow.url());
            shop = new Shop(endpoint -> endpoint.deadline(Duration.ofMillis(300))
                    .field("Query", "whoami", (env, calls) -> calls.get(slowService, "/late")));

            long start = System.nanoTime();
            Client.Reply reply = shop.client.post("{ whoami me { id } }", Shop.bearer("alice"));
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            assertThat(reply.json().has("data")).as(reply.body()).isTrue();
            assertThat(reply.at("data.me.id").getAsString()).isEqualTo("alice");
            assertThat(reply.json().getAsJsonObject("data").get("whoami").isJsonNull()).isTrue();
            assertThat(reply.at("errors.0.path").toString()).isEqualTo("[\"whoami\"]");
            assertThat(reply.at("errors.0.extensions.code").getAsString()).isEqualTo("gateway_timeout");
            assertThat(reply.at("errors.0.message").getAsString()).isEqualTo("the query's deadline of 300 ms passed");
            assertThat(took).isLessThan(Duration.ofMillis(2_500));    // the backend answers after 3 s
        }
    }

    @Test
    void anUnknownIdIsNullWithoutError() throws Exception {
        shop = new Shop(endpoint -> endpoint);

        Client.Reply reply = shop.client.post("{ user(id: \"nobody\") { id } }", Shop.bearer("alice"));

        assertThat(reply.json().toString()).isEqualTo("{\"data\":{\"user\":null}}");
    }
}
