package dev.portico.test;

import dev.portico.core.Gateway;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.upstream.Endpoint;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StartedGatewayTesterTest {

    @RegisterExtension
    final GatewayTesterExtension testers = new GatewayTesterExtension();

    private final Upstream users = Upstream.of("users", "http://users.internal:8080");
    private final Upstream products = Upstream.of("products", "http://products.internal:8080");

    private Gateway gateway() {
        return Gateway.builder()
                .route(Route.get("/api/users/{id}").timeout(Duration.ofMillis(500)).to(users))
                .route(Route.get("/api/products").to(products))
                .build();
    }

    @Test
    void servesTheGatewayOnRealSocketsWithTheSameApi() {
        GatewayTester tester = testers.register(GatewayTester.started(gateway())
                .stub("users", request -> Response.json(200, "{\"id\":\"42\"}"))
                .build());

        TestResponse response = tester.get("/api/users/42").header("X-Trace", "t1").send();

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().getAsJsonObject().get("id").getAsString()).isEqualTo("42");
        assertThat(response.header("content-type")).startsWith("application/json");
        Request seen = tester.requests("users").get(0);
        assertThat(seen.path()).isEqualTo("/api/users/42");
        assertThat(seen.header("X-Trace")).isEqualTo("t1");
        assertThat(seen.header("X-Forwarded-For")).isEqualTo("127.0.0.1");
    }

    @Test
    void aHungStubTimesOutInRealTime() {
        GatewayTester tester = testers.register(GatewayTester.started(gateway()).stub("users", Stub.noAnswer()).build());

        TestResponse response = tester.get("/api/users/1").send();

        assertThat(response.status()).isEqualTo(504);
        assertThat(response.json().getAsJsonObject().get("error").getAsString()).isEqualTo("gateway_timeout");
        assertThatThrownBy(tester::clock).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aResetBecomes502() {
        GatewayTester tester = testers.register(GatewayTester.started(gateway()).stub("users", Stub.reset()).build());

        assertThat(tester.get("/api/users/1").send().status()).isEqualTo(502);
    }

    @Test
    void callToAnUpstreamWithoutStubFailsTheTestNamingIt() {
        GatewayTester tester = testers.register(GatewayTester.started(gateway()).build());

        assertThatThrownBy(() -> tester.get("/api/products").send())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("upstream \"products\"");
    }

    @Test
    void extensionClosesTheTesterAfterItsTestAndTheUpstreamsGetTheirInstancesBack() throws Exception {
        GatewayTesterExtension extension = new GatewayTesterExtension();
        extension.beforeEach(null);
        GatewayTester tester = extension.register(GatewayTester.started(gateway())
                .stub("users", request -> Response.text(200, "ok")).build());
        assertThat(users.endpoints()).extracting(Endpoint::toString).noneMatch(url -> url.contains("users.internal"));
        int port = tester.uri().getPort();

        extension.afterEach(null);

        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(IOException.class);
        assertThat(users.endpoints()).containsExactly(Endpoint.of(URI.create("http://users.internal:8080")));
    }
}
