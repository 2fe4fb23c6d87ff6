package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import io.undertow.Undertow;
import io.undertow.util.AbstractAttachable;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The adapter keeps what it knows about an exchange in an object of its own, not in Undertow's attachments: a plain
 * proxied request leaves the exchange's attachment map uncreated, so Undertow's own lookups in it stay a null check.
 */
class ExchangeStateTest {

    @Test
    void aPlainProxiedRequestCreatesNoAttachmentMap() throws Exception {
        Field attachments = AbstractAttachable.class.getDeclaredField("attachments");
        attachments.setAccessible(true);
        try (Backend backend = Backend.start(new EchoHandler());
             PorticoHandler portico = PorticoHandler.of(Gateway.builder()
                     .route(Route.get("/api/**").to(Upstream.of("echo", backend.url()))).build())) {
            CompletableFuture<Object> atCompletion = new CompletableFuture<>();
            Undertow host = Undertow.builder().addHttpListener(0, "127.0.0.1").setHandler(exchange -> {
                exchange.addExchangeCompleteListener((ex, next) -> {
                    try {
                        atCompletion.complete(String.valueOf(attachments.get(ex)));
                    } catch (IllegalAccessException e) {
                        atCompletion.completeExceptionally(e);
                    }
                    next.proceed();
                });
                portico.handleRequest(exchange);
            }).build();
            host.start();
            try {
                int port = ((InetSocketAddress) host.getListenerInfo().get(0).getAddress()).getPort();
                HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/api/a")).build(), HttpResponse.BodyHandlers.ofString());

                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.headers().firstValue("X-Request-Id")).isPresent();
                assertThat(atCompletion.get(5, TimeUnit.SECONDS)).isEqualTo("null");
            } finally {
                host.stop();
            }
        }
    }
}
