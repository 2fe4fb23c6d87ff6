package dev.portico.core.spi;

import dev.portico.core.Body;
import dev.portico.core.Gateway;
import dev.portico.core.Handler;
import dev.portico.core.Headers;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.upstream.Endpoint;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Adapters build requests from what the client sent, and the gateway checks and decodes the path. */
class RequestsTest {

    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 50000);
    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 8080);

    @Test
    void keepsEveryPartAsReceivedWithThePathStillRaw() {
        Headers headers = Headers.of("Host", "gateway.example");
        Body body = Body.of("x");

        Request request = Requests.of("get", "/a%20b", "q=1", "https", "1.0", headers, body);

        assertThat(request.method()).isEqualTo("GET");
        assertThat(request.rawPath()).isEqualTo("/a%20b");
        assertThat(request.path()).isEqualTo("/a%20b");
        assertThat(request.rawQuery()).isEqualTo("q=1");
        assertThat(request.scheme()).isEqualTo("https");
        assertThat(request.httpVersion()).isEqualTo("1.0");
        assertThat(request.headers()).isSameAs(headers);
        assertThat(request.body()).isSameAs(body);
    }

    @Test
    void acceptsARawPathThatTheBuilderRefusesSoTheGatewayCanAnswer400() {
        Gateway gateway = Gateway.builder()
                .route(Route.any("/**").handler(Handler.sync((request, context) -> Response.text(200, request.path()))))
                .build();

        Response refused = handle(gateway, Requests.of("GET", "/a b", null, "http", "1.1", Headers.empty(), Body.empty()));
        Response decoded = handle(gateway, Requests.of("GET", "/a%20b", null, "http", "1.1", Headers.empty(), Body.empty()));

        assertThat(refused.status()).isEqualTo(400);
        assertThat(decoded.status()).isEqualTo(200);
        assertThat(decoded.body().bytes(100).toCompletableFuture().join()).asString().isEqualTo("/a b");
    }

    @Test
    void rejectsMissingParts() {
        assertThatThrownBy(() -> Requests.of(null, "/", null, "http", "1.1", Headers.empty(), Body.empty())).hasMessage("method");
        assertThatThrownBy(() -> Requests.of("GET", null, null, "http", "1.1", Headers.empty(), Body.empty())).hasMessage("rawPath");
        assertThatThrownBy(() -> Requests.of("GET", "/", null, null, "1.1", Headers.empty(), Body.empty())).hasMessage("scheme");
        assertThatThrownBy(() -> Requests.of("GET", "/", null, "http", null, Headers.empty(), Body.empty()))
                .hasMessage("httpVersion");
        assertThatThrownBy(() -> Requests.of("GET", "/", null, "http", "1.1", null, Body.empty())).hasMessage("headers");
        assertThatThrownBy(() -> Requests.of("GET", "/", null, "http", "1.1", Headers.empty(), null)).hasMessage("body");
    }

    private static Response handle(Gateway gateway, Request request) {
        return Exchanges.start(gateway, request, PEER, LOCAL, new UnusedClient()).response().toCompletableFuture().join();
    }

    private static final class UnusedClient implements UpstreamClient {
        @Override
        public java.util.concurrent.CompletionStage<Response> send(Endpoint endpoint, Request request,
                                                                   CallOptions options) {
            throw new AssertionError("no upstream call expected");
        }
    }
}
