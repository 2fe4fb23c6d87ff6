package dev.portico.undertow;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.portico.core.Gateway;
import dev.portico.core.GatewayException;
import dev.portico.core.Request;
import dev.portico.core.Route;
import dev.portico.core.observe.RequestIds;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** X-Request-Id over real sockets: kept or generated, passed upstream, on the response and in every JSON error. */
class RequestIdSocketTest {

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private PorticoServer start(Gateway.Builder gateway) {
        PorticoServer server = PorticoServer.builder(gateway.build()).port(0).ioThreads(1)
                .drainTimeout(Duration.ZERO).start();
        resources.add(server);
        return server;
    }

    private Gateway.Builder echoGateway(RequestIds ids) {
        Backend backend = Backend.start(new EchoHandler());
        resources.add(backend);
        return Gateway.builder().requestIds(ids)
                .route(Route.any("/echo/**").to(Upstream.of("echo", backend.url())))
                .route(Route.get("/fail").handler((request, context) ->
                        CompletableFuture.failedFuture(new IllegalStateException("boom"))))
                .route(Route.get("/down").to(Upstream.of("down", "http://127.0.0.1:1")));
    }

    private static RawHttp.Reply get(PorticoServer server, String target, String... headers) throws Exception {
        StringBuilder request = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
        for (String header : headers) {
            request.append(header).append("\r\n");
        }
        return RawHttp.send(server.port(), request.append("\r\n").toString());
    }

    private static String upstreamSaw(RawHttp.Reply reply, String header) {
        JsonObject headers = JsonParser.parseString(reply.body()).getAsJsonObject().getAsJsonObject("headers");
        return headers.has(header) ? headers.getAsJsonArray(header).get(0).getAsString() : null;
    }

    @Test
    void aGeneratedIdIsSaneUniquePassedUpstreamAndSetOnTheResponse() throws Exception {
        PorticoServer server = start(echoGateway(RequestIds.defaults()));
        RawHttp.Reply first = get(server, "/echo/a");
        RawHttp.Reply second = get(server, "/echo/b");

        assertThat(first.status()).isEqualTo(200);
        String id = first.header("X-Request-Id");
        assertThat(RequestIds.sane(id)).isTrue();
        assertThat(upstreamSaw(first, "x-request-id")).isEqualTo(id);
        assertThat(second.header("X-Request-Id")).isNotEqualTo(id);
        assertThat(upstreamSaw(second, "x-request-id")).isEqualTo(second.header("X-Request-Id"));
    }

    @Test
    void aSaneClientIdIsKeptAndAnInsaneOneReplaced() throws Exception {
        PorticoServer server = start(echoGateway(RequestIds.defaults()));
        String sane = "Abc-123.x_y:Z";
        RawHttp.Reply kept = get(server, "/echo/a", "X-Request-Id: " + sane);
        assertThat(kept.header("X-Request-Id")).isEqualTo(sane);
        assertThat(upstreamSaw(kept, "x-request-id")).isEqualTo(sane);

        for (String insane : List.of("has space", "<script>", "a".repeat(RequestIds.MAX_LENGTH + 1), "quote\"d")) {
            RawHttp.Reply replaced = get(server, "/echo/a", "X-Request-Id: " + insane);
            assertThat(replaced.header("X-Request-Id")).isNotEqualTo(insane).matches(RequestIds::sane);
            assertThat(upstreamSaw(replaced, "x-request-id")).isEqualTo(replaced.header("X-Request-Id"));
            assertThat(replaced.body()).doesNotContain(insane);
        }
        String longest = "b".repeat(RequestIds.MAX_LENGTH);
        assertThat(get(server, "/echo/a", "X-Request-Id: " + longest).header("X-Request-Id")).isEqualTo(longest);
    }

    @Test
    void aRepeatedIdHeaderReachesTheUpstreamAsOneValueTheOneOnTheResponse() throws Exception {
        PorticoServer server = start(echoGateway(RequestIds.defaults()));
        for (String second : List.of("<script>", "also-sane")) {
            RawHttp.Reply reply = get(server, "/echo/a", "X-Request-Id: sane-1", "X-Request-Id: " + second);
            JsonObject headers = JsonParser.parseString(reply.body()).getAsJsonObject().getAsJsonObject("headers");

            assertThat(headers.getAsJsonArray("x-request-id")).hasSize(1);
            assertThat(upstreamSaw(reply, "x-request-id")).isEqualTo(reply.header("X-Request-Id"))
                    .matches(RequestIds::sane);
            assertThat(reply.body()).doesNotContain(second);
        }
    }

    @Test
    void aCallAHandlerMakesWithARequestOfItsOwnCarriesTheRequestId() throws Exception {
        Backend backend = Backend.start(new EchoHandler());
        resources.add(backend);
        Upstream echo = Upstream.of("echo", backend.url());
        PorticoServer server = start(Gateway.builder().requestIds(RequestIds.header("X-Correlation-Id"))
                .route(Route.get("/own").handler((request, context) ->
                        context.send(echo, Request.builder("GET", "/echo/own").build()))));

        RawHttp.Reply kept = get(server, "/own", "X-Correlation-Id: corr-7");
        RawHttp.Reply generated = get(server, "/own");

        assertThat(upstreamSaw(kept, "x-correlation-id")).isEqualTo("corr-7");
        assertThat(upstreamSaw(generated, "x-correlation-id")).isEqualTo(generated.header("X-Correlation-Id"))
                .matches(RequestIds::sane);
    }

    @Test
    void everyJsonErrorTheGatewayAnswersCarriesTheRequestIdOfItsResponse() throws Exception {
        PorticoServer server = start(echoGateway(RequestIds.defaults()).maxBodySize(10).maxHeaderCount(20));
        List<RawHttp.Reply> errors = new ArrayList<>();
        errors.add(get(server, "/nowhere"));                                         // 404 before any route
        errors.add(RawHttp.send(server.port(), "DELETE /fail HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")); // 405
        errors.add(get(server, "/fail"));                                            // 500 from a handler
        errors.add(get(server, "/down"));                                            // 502 from the transport
        errors.add(RawHttp.send(server.port(), "POST /echo/a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "Content-Length: 11\r\n\r\nhello world"));                         // 413
        errors.add(RawHttp.send(server.port(), "GET /echo/%2e%2e/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        StringBuilder many = new StringBuilder("GET /echo/a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
        for (int i = 0; i < 25; i++) {
            many.append("X-Many-").append(i).append(": v\r\n");
        }
        errors.add(RawHttp.send(server.port(), many.append("\r\n").toString()));      // 431, refused by the adapter
        errors.add(RawHttp.send(server.port(), "GET /echo/a HTTP/1.2\r\nHost: x\r\nConnection: close\r\n\r\n")); // 505

        assertThat(errors).extracting(RawHttp.Reply::status).containsExactly(404, 405, 500, 502, 413, 400, 431, 505);
        for (RawHttp.Reply error : errors) {
            JsonObject body = JsonParser.parseString(error.body()).getAsJsonObject();
            assertThat(body.get("error").getAsString()).isNotBlank();
            assertThat(body.get("message").getAsString()).isNotBlank();
            assertThat(body.get("requestId").getAsString()).as(error.body())
                    .isEqualTo(error.header("X-Request-Id")).matches(RequestIds::sane);
        }
        RawHttp.Reply sent = get(server, "/nowhere", "X-Request-Id: mine-1");
        assertThat(JsonParser.parseString(sent.body()).getAsJsonObject().get("requestId").getAsString()).isEqualTo("mine-1");
    }

    @Test
    void anErrorAFilterReturnsAsAResponseCarriesTheRequestIdToo() throws Exception {
        PorticoServer server = start(echoGateway(RequestIds.defaults()).edgeFilter((request, chain) ->
                request.path().startsWith("/echo/secret")
                        ? CompletableFuture.completedFuture(GatewayException.forbidden("not you").toResponse())
                        : chain.proceed(request)));
        RawHttp.Reply refused = get(server, "/echo/secret", "X-Request-Id: filter-9");
        assertThat(refused.status()).isEqualTo(403);
        JsonObject body = JsonParser.parseString(refused.body()).getAsJsonObject();
        assertThat(body.keySet()).containsExactly("error", "message", "requestId");
        assertThat(body.get("requestId").getAsString()).isEqualTo("filter-9");
        assertThat(refused.header("Content-Length")).isEqualTo(Integer.toString(refused.body().length()));
    }

    @Test
    void theAdaptersOwnTimeoutErrorCarriesTheRequestId() throws Exception {
        PorticoServer server = start(echoGateway(RequestIds.defaults()).idleTimeout(Duration.ofMillis(300)));
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /echo/a HTTP/1.1\r\nHost: x\r\nX-Request-Id: stalled-7\r\nContent-Length: 100\r\n\r\n0123456789")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush(); // and stall: the body never completes
            InputStream in = socket.getInputStream();
            RawHttp.Reply reply = RawHttp.read(in);
            assertThat(reply.status()).isEqualTo(408);
            assertThat(reply.header("X-Request-Id")).isEqualTo("stalled-7");
            assertThat(JsonParser.parseString(reply.body()).getAsJsonObject().get("requestId").getAsString())
                    .isEqualTo("stalled-7");
        }
    }

    @Test
    void idsCanBeCarriedInAnotherHeaderOrTurnedOff() throws Exception {
        PorticoServer renamed = start(echoGateway(RequestIds.header("X-Correlation-Id")));
        RawHttp.Reply reply = get(renamed, "/echo/a", "X-Correlation-Id: corr-1");
        assertThat(reply.header("X-Correlation-Id")).isEqualTo("corr-1");
        assertThat(reply.header("X-Request-Id")).isNull();
        assertThat(upstreamSaw(reply, "x-correlation-id")).isEqualTo("corr-1");

        PorticoServer off = start(echoGateway(RequestIds.disabled()));
        RawHttp.Reply plain = get(off, "/echo/a");
        assertThat(plain.header("X-Request-Id")).isNull();
        assertThat(upstreamSaw(plain, "x-request-id")).isNull();
        RawHttp.Reply error = get(off, "/nowhere");
        assertThat(JsonParser.parseString(error.body()).getAsJsonObject().keySet()).containsExactly("error", "message");
    }
}
