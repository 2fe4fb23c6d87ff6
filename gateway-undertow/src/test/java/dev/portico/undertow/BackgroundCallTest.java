package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.spi.CallOptions;
import dev.portico.core.upstream.Endpoint;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Calls to upstreams made outside any client request, as health checks and key refreshes will make them. */
class BackgroundCallTest {

    private static final CallOptions OPTIONS = new CallOptions("health", Duration.ofSeconds(1), Duration.ofSeconds(2), 0);

    @Test
    void aHealthCheckStyleCallRunsOutsideAnyClientRequest() throws Exception {
        try (Backend backend = Backend.start(exchange -> exchange.getResponseSender().send("up " + exchange.getRequestPath()));
             PorticoServer server = PorticoServer.builder(Gateway.builder()
                     .route(Route.any("/**").to(Upstream.of("app", backend.url()))).build()).port(0).start()) {
            Endpoint endpoint = Endpoint.of(URI.create(backend.url()));

            Response response = server.upstreamClient()
                    .send(endpoint, Request.builder("GET", "/health").header("Host", endpoint.authority()).build(), OPTIONS)
                    .toCompletableFuture().get(5, TimeUnit.SECONDS);

            assertThat(response.status()).isEqualTo(200);
            assertThat(new String(response.body().bytes(1024).toCompletableFuture().get(5, TimeUnit.SECONDS),
                    StandardCharsets.UTF_8)).isEqualTo("up /health");
            assertThat(server.upstreamConnections()).as("the connection went back to the pool").isEqualTo(1);
        }
    }

    @Test
    void anHttpsInstanceIsCalledOverTlsAndFailsWith502WhenNothingAnswers() throws Exception {
        Upstream secure = Upstream.of("secure", "https://127.0.0.1:1");
        assertThat(secure.endpoints().get(0).scheme()).isEqualTo("https");
        assertThat(Upstream.of("default", "https://api.example").endpoints().get(0).authority()).isEqualTo("api.example");
        try (PorticoServer server = PorticoServer.builder(Gateway.builder().route(Route.any("/**").to(secure)).build())
                .port(0).start()) {

            RawHttp.Reply reply = RawHttp.send(server.port(), "GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

            assertThat(reply.status()).isEqualTo(502);
            assertThat(reply.body()).contains("\"error\":\"bad_gateway\"");
            assertThatThrownBy(() -> server.upstreamClient().send(secure.endpoints().get(0),
                    Request.builder("GET", "/").build(), OPTIONS).toCompletableFuture().join())
                    .isInstanceOf(CompletionException.class).hasMessageContaining("refused the connection");
        }
    }
}
