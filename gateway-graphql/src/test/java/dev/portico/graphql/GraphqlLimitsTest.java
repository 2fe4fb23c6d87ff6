package dev.portico.graphql;

import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Depth, complexity and size limits and the introspection switch refuse a query before any upstream call. */
class GraphqlLimitsTest {

    private Shop shop;

    @AfterEach
    void stop() {
        if (shop != null) {
            shop.close();
        }
    }

    private long upstreamCalls() {
        return shop.users.received().size() + shop.products.received().size() + shop.orders.received().size();
    }

    @Test
    void answersAQueryAsDeepAsTheLimit() throws Exception {
        shop = new Shop(endpoint -> endpoint.maxDepth(3));

        Client.Reply reply = shop.client.post("{ orders { user { id } } }", Shop.bearer("alice"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.at("data.orders.0.user.id").getAsString()).isEqualTo("u1");
    }

    @Test
    void refusesAQueryDeeperThanTheLimitWithAnErrorAndNoData() throws Exception {
        shop = new Shop(endpoint -> endpoint.maxDepth(3));

        Client.Reply reply = shop.client.post("{ orders { user { friends { id } } } }", Shop.bearer("alice"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().has("data")).isFalse();
        assertThat(reply.at("errors.0.message").getAsString()).contains("depth").contains("4 > 3");
        assertThat(upstreamCalls()).isZero();
    }

    @Test
    void refusesATooDeepQueryEveryTimeEvenOnceItsDocumentIsCached() throws Exception {
        shop = new Shop(endpoint -> endpoint.maxDepth(3));
        String deep = "{ orders { user { friends { id } } } }";

        Client.Reply first = shop.client.post(deep, Shop.bearer("alice"));
        Client.Reply again = shop.client.post(deep, Shop.bearer("alice"));

        assertThat(first.json().has("data")).isFalse();
        assertThat(again.json().has("data")).isFalse();
        assertThat(again.at("errors.0.message").getAsString()).contains("4 > 3");
        assertThat(upstreamCalls()).isZero();
    }

    @Test
    void refusesAQueryMoreComplexThanTheLimit() throws Exception {
        shop = new Shop(endpoint -> endpoint.maxComplexity(5));

        Client.Reply simple = shop.client.post("{ orders { id userId productId } }", Shop.bearer("alice"));
        long callsAfterSimple = upstreamCalls();
        Client.Reply complex = shop.client.post("{ orders { id userId productId user { id } } }", Shop.bearer("alice"));

        assertThat(simple.at("data.orders.0.id").getAsString()).isEqualTo("o1");
        assertThat(complex.json().has("data")).isFalse();
        assertThat(complex.at("errors.0.message").getAsString()).contains("complexity").contains("6 > 5");
        assertThat(upstreamCalls()).isEqualTo(callsAfterSimple);
    }

    @Test
    void refusesAQueryOverTheSizeBoundWith413BeforeParsing() throws Exception {
        shop = new Shop(endpoint -> endpoint.maxQuerySize(64));

        Client.Reply small = shop.client.post("{ me { id } }", Shop.bearer("alice"));
        Client.Reply large = shop.client.post("{ me { id " + "name ".repeat(20) + "} }", Shop.bearer("alice"));
        Client.Reply largeGet = shop.client.get("{ me { id " + "name ".repeat(20) + "} }", Shop.bearer("alice"));

        assertThat(small.status()).isEqualTo(200);
        assertThat(large.status()).isEqualTo(413);
        assertThat(large.at("error").getAsString()).isEqualTo("payload_too_large");
        assertThat(large.at("message").getAsString()).isEqualTo("the query exceeds 64 bytes");
        assertThat(largeGet.status()).isEqualTo(413);
    }

    @Test
    void refusesABodyOverItsBoundWith413() throws Exception {
        shop = new Shop(endpoint -> endpoint.maxBodySize(256));

        Client.Reply reply = shop.client.post("{ me { id } }", Shop.vars("pad", "x".repeat(300)), Shop.bearer("alice"));

        assertThat(reply.status()).isEqualTo(413);
        assertThat(reply.at("error").getAsString()).isEqualTo("payload_too_large");
    }

    @Test
    void answersIntrospectionWhenEnabled() throws Exception {
        shop = new Shop(endpoint -> endpoint.introspection(true));

        Client.Reply reply = shop.client.post("{ __type(name: \"Order\") { name } }", Shop.bearer("alice"));

        assertThat(reply.json().toString()).isEqualTo("{\"data\":{\"__type\":{\"name\":\"Order\"}}}");
    }

    @Test
    void refusesIntrospectionWhenDisabledButKeepsTypename() throws Exception {
        shop = new Shop(endpoint -> endpoint.introspection(false));

        Client.Reply schema = shop.client.post("{ __schema { types { name } } }", Shop.bearer("alice"));
        Client.Reply type = shop.client.post("{ __type(name: \"Order\") { name } }", Shop.bearer("alice"));
        Client.Reply typename = shop.client.post("{ __typename me { __typename id } }", Shop.bearer("alice"));

        assertThat(schema.at("errors.0.message").getAsString()).containsIgnoringCase("introspection");
        assertThat(schema.body()).doesNotContain("\"Order\"");
        assertThat(type.at("errors.0.message").getAsString()).containsIgnoringCase("introspection");
        assertThat(type.body()).doesNotContain("\"Order\"");
        assertThat(typename.json().toString())
                .isEqualTo("{\"data\":{\"__typename\":\"Query\",\"me\":{\"__typename\":\"User\",\"id\":\"alice\"}}}");
    }

    @Test
    void refusesBadSettingsAndUnknownFieldsAtBuild() {
        assertThatThrownBy(() -> GraphqlEndpoint.builder(Shop.SDL).maxDepth(0))
                .hasMessage("maxDepth: 0 (expected: >= 1)");
        assertThatThrownBy(() -> GraphqlEndpoint.builder(Shop.SDL)
                .field("Query", "nope", (env, calls) -> null).build())
                .hasMessage("field Query.nope: not declared in the SDL");
        assertThatThrownBy(() -> GraphqlEndpoint.builder("type Query { a: Nope }").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("sdl: ");
        assertThatThrownBy(() -> GraphqlEndpoint.builder("type Query { a: Int } type Subscription { b: Int }").build())
                .hasMessage("sdl: declares subscriptions (expected: queries and mutations only)");
        assertThatThrownBy(() -> Loaders.each(Upstream.of("users", "http://127.0.0.1:9"), "/users/{id}"))
                .hasMessage("template: \"/users/{id}\" (expected: {key} and no other placeholder)");
    }
}
