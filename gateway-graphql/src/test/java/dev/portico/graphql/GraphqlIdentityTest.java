package dev.portico.graphql;

import dev.portico.core.auth.Principal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** Resolvers see the caller's principal, and upstreams get the identity headers the gateway's filters set. */
class GraphqlIdentityTest {

    private Shop shop;

    @AfterEach
    void stop() {
        shop.close();
    }

    @Test
    void theCallersPrincipalReachesTheResolver() throws Exception {
        shop = new Shop(endpoint -> endpoint.field("Query", "whoami", (env, calls) -> {
            Principal caller = calls.principal();
            return CompletableFuture.completedFuture(caller.scheme() + ":" + caller.subject());
        }));

        Client.Reply reply = shop.client.post("{ whoami }", Shop.bearer("carol"));

        assertThat(reply.json().toString()).isEqualTo("{\"data\":{\"whoami\":\"jwt:carol\"}}");
    }

    @Test
    void theIdentityHeaderReachesTheBackendAndTheClientsOwnDoesNot() throws Exception {
        shop = new Shop(endpoint -> endpoint);

        Client.Reply reply = shop.client.post("{ orders { id } }",
                "Authorization", "Bearer " + Shop.token("bob"), "X-User-Id", "alice", "X-Trace", "t-1");

        assertThat(reply.status()).isEqualTo(200);
        Backend.Received call = shop.orders.received().get(0);
        assertThat(call.headers().entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase("X-User-Id"))
                .flatMap(e -> e.getValue().stream())).containsExactly("bob");
        assertThat(call.header("X-Trace")).isEqualTo("t-1");
        assertThat(call.header("Accept")).isEqualTo("application/json");
        assertThat(call.header("Content-Type")).isNull();
    }

    @Test
    void aNarrowedHeaderListForwardsOnlyTheNamedHeaders() throws Exception {
        shop = new Shop(endpoint -> endpoint.forwardHeaders("X-User-Id"));

        shop.client.post("{ orders { id } }", "Authorization", "Bearer " + Shop.token("bob"), "X-Trace", "t-1");

        Backend.Received call = shop.orders.received().get(0);
        assertThat(call.header("X-User-Id")).isEqualTo("bob");
        assertThat(call.header("X-Trace")).isNull();
        assertThat(call.header("Authorization")).isNull();
    }

    @Test
    void everyRestCallCarriesTheRequestIdWhateverTheHeaderList() throws Exception {
        shop = new Shop(endpoint -> endpoint.forwardHeaders("X-User-Id"));

        Client.Reply reply = shop.client.post("{ orders { id } }", "Authorization", "Bearer " + Shop.token("bob"),
                "X-Request-Id", "gql-7");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(shop.orders.received().get(0).header("X-Request-Id")).isEqualTo("gql-7");
    }

    @Test
    void theSubjectFillsATemplate() throws Exception {
        shop = new Shop(endpoint -> endpoint);

        shop.client.post("{ me { id } }", Shop.bearer("carol"));

        assertThat(shop.users.received()).extracting(Backend.Received::target).containsExactly("/users/carol");
    }
}
