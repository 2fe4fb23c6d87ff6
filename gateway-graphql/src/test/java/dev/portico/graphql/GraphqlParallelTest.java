package dev.portico.graphql;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Independent fields resolve in parallel: their upstream calls are in flight at the same time. */
class GraphqlParallelTest {

    private final CountDownLatch userArrived = new CountDownLatch(1);
    private final CountDownLatch productsArrived = new CountDownLatch(1);
    private Shop shop;
    private Backend userBackend;

    @AfterEach
    void stop() {
        shop.close();
        userBackend.close();
    }

    @Test
    void twoFieldsWhoseBackendsEachWaitForTheOtherBothResolve() throws Exception {
        // each backend answers only once the other's request has arrived: sequential resolution would deadlock
        userBackend = Backend.start(request -> {
            userArrived.countDown();
            return await(productsArrived, "{\"id\":\"alice\",\"name\":\"Alice\"}");
        });
        Backend productBackend = Backend.start(request -> {
            productsArrived.countDown();
            return await(userArrived, "[{\"id\":\"p1\",\"name\":\"Pen\"}]");
        });
        shop = new Shop(endpoint -> endpoint
                .field("Query", "me", Resolve.get(dev.portico.core.upstream.Upstream.of("u", userBackend.url()), "/users/{sub}"))
                .field("Query", "products", (env, calls) -> calls.get(
                        dev.portico.core.upstream.Upstream.of("p", productBackend.url()), "/products")));
        try (productBackend) {
            Client.Reply reply = shop.client.post("{ me { name } products { name } }", Shop.bearer("alice"));

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().toString())
                    .isEqualTo("{\"data\":{\"me\":{\"name\":\"Alice\"},\"products\":[{\"name\":\"Pen\"}]}}");
        }
    }

    private static Backend.Answer await(CountDownLatch other, String json) {
        try {
            return other.await(10, TimeUnit.SECONDS) ? Backend.Answer.ok(json) : new Backend.Answer(500, "{}");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Backend.Answer(500, "{}");
        }
    }
}
