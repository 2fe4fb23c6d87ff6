package dev.portico.undertow;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.filter.Filters;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class ProxyHeadersTest {

    private Backend backend;
    private PorticoServer gateway;

    @BeforeEach
    void start() {
        backend = Backend.start(new EchoHandler());
        Upstream upstream = Upstream.of("echo", backend.url());
        gateway = PorticoServer.start(Gateway.builder()
                .route(Route.any("/keep/**").filter(Filters.preserveHost()).to(upstream))
                // U+010A's low byte is LF: written as its low byte, it would end the line and start a forged field
                .route(Route.any("/wide/**").filter(Filters.setRequestHeader("X-Note", "caf\u00e9 \u010AX-Forged: yes"))
                        .to(upstream))
                .route(Route.any("/**").to(upstream))
                .build(), "127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        gateway.stop(Duration.ZERO);
        backend.close();
    }

    private JsonObject echo(String request) throws Exception {
        RawHttp.Reply reply = RawHttp.send(gateway.port(), request);
        assertThat(reply.status()).isEqualTo(200);
        return JsonParser.parseString(reply.body()).getAsJsonObject();
    }

    private static String header(JsonObject echo, String name) {
        JsonObject headers = echo.getAsJsonObject("headers");
        return headers.has(name) ? String.join(",", headers.getAsJsonArray(name).asList().stream()
                .map(e -> e.getAsString()).toList()) : null;
    }

    @Test
    void removesHopByHopHeadersAndTheOnesConnectionNames() throws Exception {
        JsonObject echo = echo("GET /x HTTP/1.1\r\nHost: gw.example\r\n"
                + "Connection: keep-alive, X-Secret-Hop\r\nX-Secret-Hop: 1\r\nKeep-Alive: timeout=5\r\n"
                + "TE: trailers\r\nTrailer: X-T\r\nUpgrade: websocket\r\nProxy-Authorization: Basic abc\r\n"
                + "Proxy-Connection: keep-alive\r\nX-End-To-End: kept\r\n\r\n");

        assertThat(header(echo, "x-secret-hop")).isNull();
        assertThat(header(echo, "keep-alive")).isNull();
        assertThat(header(echo, "te")).isNull();
        assertThat(header(echo, "trailer")).isNull();
        assertThat(header(echo, "upgrade")).isNull();
        assertThat(header(echo, "proxy-authorization")).isNull();
        assertThat(header(echo, "proxy-connection")).isNull();
        assertThat(header(echo, "x-end-to-end")).isEqualTo("kept");
    }

    @Test
    void setsForwardingHeadersAndReplacesTheClientsOwn() throws Exception {
        JsonObject echo = echo("GET /x HTTP/1.1\r\nHost: gw.example:8443\r\nX-Forwarded-For: 6.6.6.6\r\n"
                + "X-Forwarded-Host: evil\r\nForwarded: for=6.6.6.6\r\n\r\n");

        assertThat(header(echo, "x-forwarded-for")).isEqualTo("127.0.0.1");
        assertThat(header(echo, "x-forwarded-proto")).isEqualTo("http");
        assertThat(header(echo, "x-forwarded-host")).isEqualTo("gw.example:8443");
        assertThat(header(echo, "x-forwarded-port")).isEqualTo(Integer.toString(gateway.port())); // not the Host's
        assertThat(header(echo, "forwarded")).isEqualTo("for=127.0.0.1;proto=http;host=\"gw.example:8443\"");
        assertThat(header(echo, "host")).isEqualTo("127.0.0.1:" + backend.port());
    }

    @Test
    void preserveHostForwardsTheClientsHost() throws Exception {
        JsonObject echo = echo("GET /keep/x HTTP/1.1\r\nHost: api.example\r\n\r\n");
        assertThat(header(echo, "host")).isEqualTo("api.example");
    }

    @Test
    void aCharacterBeyondLatin1InAFiltersValueGoesOutAsAQuestionMarkNeverAsItsLowByte() throws Exception {
        JsonObject echo = echo("GET /wide/x HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(header(echo, "x-note")).isEqualTo("caf\u00e9 ?X-Forged: yes");
        assertThat(header(echo, "x-forged")).isNull();
    }

    @Test
    void forwardsRawTargetByteForByte() throws Exception {
        JsonObject echo = echo("GET /caf%C3%A9/a%20b/%7Euser?q=%2F%2f&x=1+2&empty= HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(echo.get("target").getAsString()).isEqualTo("/caf%C3%A9/a%20b/%7Euser?q=%2F%2f&x=1+2&empty=");
    }

    @Test
    void removesHopByHopHeadersFromTheResponse() throws Exception {
        gateway.stop(Duration.ZERO);
        backend.close();
        backend = Backend.start(exchange -> {
            exchange.getResponseHeaders().put(io.undertow.util.HttpString.tryFromString("Connection"), "X-Internal");
            exchange.getResponseHeaders().put(io.undertow.util.HttpString.tryFromString("X-Internal"), "secret");
            exchange.getResponseHeaders().put(io.undertow.util.HttpString.tryFromString("Proxy-Authenticate"), "Basic");
            exchange.getResponseHeaders().put(io.undertow.util.HttpString.tryFromString("X-Kept"), "yes");
            exchange.getResponseSender().send("ok");
        });
        gateway = PorticoServer.start(Gateway.builder()
                .route(Route.any("/**").to(Upstream.of("b", backend.url()))).build(), "127.0.0.1", 0);

        RawHttp.Reply reply = RawHttp.send(gateway.port(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        assertThat(reply.body()).isEqualTo("ok");
        assertThat(reply.header("X-Internal")).isNull();
        assertThat(reply.header("Proxy-Authenticate")).isNull();
        assertThat(reply.header("X-Kept")).isEqualTo("yes");
    }

    @Test
    void appendsToForwardingHeadersOfATrustedProxy() throws Exception {
        gateway.stop(Duration.ZERO);
        gateway = PorticoServer.start(Gateway.builder().trustedProxies("127.0.0.0/8")
                .route(Route.any("/**").to(Upstream.of("echo", backend.url()))).build(), "127.0.0.1", 0);

        JsonObject echo = echo("GET /x HTTP/1.1\r\nHost: gw\r\nX-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n\r\n");

        assertThat(header(echo, "x-forwarded-for")).isEqualTo("203.0.113.9, 127.0.0.1");
        assertThat(header(echo, "x-forwarded-proto")).isEqualTo("https");
    }
}
