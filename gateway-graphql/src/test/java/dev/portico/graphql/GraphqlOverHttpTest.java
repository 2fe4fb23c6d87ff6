package dev.portico.graphql;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Over real sockets, the endpoint speaks GraphQL over HTTP: POST and GET, media types, and its refusals. */
class GraphqlOverHttpTest {

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
    void answersAPostedQueryFromTheUpstreams() throws Exception {
        Client.Reply reply = shop.client.post("{ me { id name } products(category: \"pens\") { id category } }",
                Shop.bearer("alice"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("Content-Type")).startsWith("application/json");
        assertThat(reply.json().toString()).isEqualTo(
                "{\"data\":{\"me\":{\"id\":\"alice\",\"name\":\"User alice\"},"
                        + "\"products\":[{\"id\":\"p1\",\"category\":\"pens\"}]}}");
        assertThat(shop.products.received()).extracting(Backend.Received::target).containsExactly("/products?category=pens");
    }

    @Test
    void passesVariablesAndLeavesOutAQueryParameterWithoutValue() throws Exception {
        Client.Reply reply = shop.client.post("query P($id: ID!) { product(id: $id) { name } products { id } }",
                Shop.vars("id", "p 9/x"), Shop.bearer("alice"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.at("data.product.name").getAsString()).isEqualTo("Product p%209%2Fx");
        assertThat(shop.products.received()).extracting(Backend.Received::target)
                .containsExactlyInAnyOrder("/products/p%209%2Fx", "/products");
    }

    @Test
    void answersAQuerySentWithGet() throws Exception {
        Client.Reply reply = shop.client.get("{ user(id: \"u7\") { name } }", Shop.bearer("alice"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.at("data.user.name").getAsString()).isEqualTo("User u7");
    }

    @Test
    void refusesAMutationSentWithGetWith405() throws Exception {
        Client.Reply reply = shop.client.get("mutation { touch }", Shop.bearer("alice"));

        assertThat(reply.status()).isEqualTo(405);
        assertThat(reply.header("Allow")).isEqualTo("POST");
        assertThat(reply.at("error").getAsString()).isEqualTo("method_not_allowed");
    }

    @Test
    void choosesTheOperationOfAGetByItsName() throws Exception {
        String document = "query Who { me { id } } mutation Touch { touch }";
        String encoded = java.net.URLEncoder.encode(document, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");

        Client.Reply query = shop.client.getTarget("/graphql?operationName=Who&query=" + encoded, Shop.bearer("alice"));
        Client.Reply mutation = shop.client.getTarget("/graphql?operationName=Touch&query=" + encoded, Shop.bearer("alice"));
        Client.Reply variables = shop.client.getTarget("/graphql?variables=%7B%22id%22%3A%22u5%22%7D&query="
                + java.net.URLEncoder.encode("query U($id: ID!) { user(id: $id) { id } }",
                        java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20"), Shop.bearer("alice"));

        assertThat(query.json().toString()).isEqualTo("{\"data\":{\"me\":{\"id\":\"alice\"}}}");
        assertThat(mutation.status()).isEqualTo(405);
        assertThat(variables.json().toString()).isEqualTo("{\"data\":{\"user\":{\"id\":\"u5\"}}}");
    }

    @Test
    void runsAMutationSentWithPost() throws Exception {
        Client.Reply reply = shop.client.post("mutation { touch }", Shop.bearer("alice"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().toString()).isEqualTo("{\"data\":{\"touch\":null}}");
    }

    @Test
    void answersInTheGraphqlResponseMediaTypeWhenAccepted() throws Exception {
        String[] headers = {"Authorization", "Bearer " + Shop.token("alice"),
                "Accept", "application/graphql-response+json, application/json;q=0.9"};

        Client.Reply ok = shop.client.post("{ me { id } }", headers);
        Client.Reply invalid = shop.client.post("{ me { nope } }", headers);

        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.header("Content-Type")).startsWith("application/graphql-response+json");
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.json().has("data")).isFalse();
        assertThat(invalid.at("errors.0.message").getAsString()).contains("nope");
    }

    @Test
    void answersAValidationErrorWith200InApplicationJson() throws Exception {
        Client.Reply reply = shop.client.post("{ me { nope } }", Shop.bearer("alice"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().has("data")).isFalse();
        assertThat(reply.at("errors.0.locations.0.line").getAsInt()).isEqualTo(1);
        assertThat(reply.at("errors.0.locations.0.column").getAsInt()).isEqualTo(8);
    }

    @Test
    void answersASyntaxErrorAsAGraphqlError() throws Exception {
        Client.Reply reply = shop.client.post("{ me { id ", Shop.bearer("alice"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.at("errors.0.message").getAsString()).isNotEmpty();
        assertThat(reply.body()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void refusesABodyThatIsNotJsonWith400() throws Exception {
        Client.Reply reply = shop.client.postBody("query { me { id } }", "application/json", Shop.bearer("alice"));

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.at("error").getAsString()).isEqualTo("bad_request");
        assertThat(reply.at("message").getAsString()).isEqualTo("the body is not JSON");
    }

    @Test
    void refusesARequestWithoutAQueryWith400() throws Exception {
        Client.Reply posted = shop.client.postBody("{\"variables\":{}}", "application/json", Shop.bearer("alice"));
        Client.Reply badVariables = shop.client.postBody("{\"query\":\"{me{id}}\",\"variables\":[1]}",
                "application/json", Shop.bearer("alice"));

        assertThat(posted.status()).isEqualTo(400);
        assertThat(posted.at("message").getAsString()).isEqualTo("query is required, as a string");
        assertThat(badVariables.status()).isEqualTo(400);
        assertThat(badVariables.at("message").getAsString()).isEqualTo("variables must be a JSON object");
    }

    @Test
    void refusesAPostThatIsNotJsonByMediaTypeWith415() throws Exception {
        Client.Reply reply = shop.client.postBody("{ me { id } }", "application/graphql", Shop.bearer("alice"));
        Client.Reply lookalike = shop.client.postBody("{\"query\":\"{ me { id } }\"}", "application/jsonx", Shop.bearer("alice"));
        Client.Reply withCharset = shop.client.postBody("{\"query\":\"{ me { id } }\"}", "Application/JSON; charset=utf-8",
                Shop.bearer("alice"));

        assertThat(reply.status()).isEqualTo(415);
        assertThat(reply.at("error").getAsString()).isEqualTo("unsupported_media_type");
        assertThat(lookalike.status()).isEqualTo(415);
        assertThat(withCharset.status()).isEqualTo(200);
    }

    @Test
    void requiresTheRoutesTokenBeforeAnyGraphql() throws Exception {
        Client.Reply reply = shop.client.post("{ me { id } }");

        assertThat(reply.status()).isEqualTo(401);
        assertThat(shop.users.received()).isEmpty();
    }
}
