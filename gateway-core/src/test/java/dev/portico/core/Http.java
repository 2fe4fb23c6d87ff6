package dev.portico.core;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.portico.core.spi.Exchanges;
import dev.portico.core.spi.Requests;
import dev.portico.core.spi.UpstreamClient;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Builds requests as a server adapter would and drives them through {@link Gateway#handle}. */
public final class Http {

    /** An untrusted client connecting directly to the gateway. */
    public static final InetSocketAddress CLIENT = address("203.0.113.7", 51000);

    /** The gateway's end of every connection the requests here arrive on. */
    public static final InetSocketAddress LISTENER = address("192.0.2.1", 8080);

    private Http() {
    }

    /** Returns an IP literal socket address; never resolves a name. */
    public static InetSocketAddress address(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(ip, e);
        }
    }

    /** Returns a builder for a request to this target (raw path and optional {@code ?query}) with a Host header. */
    public static Request.Builder request(String method, String target) {
        int q = target.indexOf('?');
        return Request.builder(method, q < 0 ? target : target.substring(0, q))
                .rawQuery(q < 0 ? null : target.substring(q + 1))
                .header("Host", "gateway.example");
    }

    /** Returns a GET request to this target. */
    public static Request get(String target) {
        return request("GET", target).build();
    }

    /**
     * Returns a GET request whose raw path is taken as is, without the builder's own checks, as an adapter passes
     * what a client sent (it may hold characters that {@link Request.Builder#rawPath} refuses).
     */
    public static Request rawGet(String rawPath) {
        return Requests.of("GET", rawPath, null, "http", "1.1", Headers.of("Host", "gateway.example"), Body.empty());
    }

    /** Handles a request from {@link #CLIENT} and waits for the response. */
    public static Response send(Gateway gateway, Request request, UpstreamClient client) {
        return send(gateway, request, CLIENT, client);
    }

    /** Handles a request from this peer to {@link #LISTENER} and waits for the response. */
    public static Response send(Gateway gateway, Request request, InetSocketAddress peer, UpstreamClient client) {
        return send(gateway, request, peer, LISTENER, client);
    }

    /** Handles a request from this peer to this local address and waits for the response, never a failure. */
    public static Response send(Gateway gateway, Request request, InetSocketAddress peer, InetSocketAddress local,
                                UpstreamClient client) {
        try {
            Response response = Exchanges.start(gateway, request, peer, local, client).response().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(response).as("response of " + request).isNotNull();
            return response;
        } catch (Exception e) {
            throw new AssertionError("Gateway.handle must complete normally, but did not for " + request, e);
        }
    }

    /** Returns a buffered body as UTF-8 text. */
    public static String text(Response response) {
        return text(response.body());
    }

    /** Returns a buffered body as UTF-8 text. */
    public static String text(Body body) {
        assertThat(body.isBuffered()).as("body is buffered").isTrue();
        try {
            return new String(body.bytes(Long.MAX_VALUE).toCompletableFuture().get(10, TimeUnit.SECONDS),
                    StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw new AssertionError("cannot read body", e);
        }
    }

    /** Returns a response's JSON body, after checking that it is declared as JSON. */
    public static JsonObject json(Response response) {
        assertThat(response.header("Content-Type")).startsWith("application/json");
        return JsonParser.parseString(text(response)).getAsJsonObject();
    }

    /**
     * Checks that a response is the gateway's JSON error with this status and code, with a message for clients and
     * nothing internal in it.
     */
    public static JsonObject assertError(Response response, int status, String error) {
        assertThat(response.status()).as("status of " + response).isEqualTo(status);
        JsonObject body = json(response);
        String requestId = response.header("X-Request-Id");
        if (requestId == null) {
            assertThat(body.keySet()).containsExactlyInAnyOrder("error", "message");
        } else { // the gateway's default request ids: the body names the id the response carries
            assertThat(body.keySet()).containsExactlyInAnyOrder("error", "message", "requestId");
            assertThat(body.get("requestId").getAsString()).isEqualTo(requestId);
        }
        assertThat(body.get("error").getAsString()).isEqualTo(error);
        assertThat(body.get("message").getAsString()).isNotBlank();
        assertThat(text(response)).doesNotContain("Exception", "java.", "dev.portico", "\tat ");
        return body;
    }
}
