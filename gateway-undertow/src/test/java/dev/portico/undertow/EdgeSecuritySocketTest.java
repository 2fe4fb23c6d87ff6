package dev.portico.undertow;

import dev.portico.core.Filter;
import dev.portico.core.Gateway;
import dev.portico.core.GatewayException;
import dev.portico.core.Route;
import dev.portico.core.edge.Cors;
import dev.portico.core.edge.IpRules;
import dev.portico.core.edge.SecurityHeaders;
import dev.portico.core.upstream.Upstream;
import io.undertow.util.HttpString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** CORS, IP rules and request-line hygiene over real sockets, with a real backend behind the gateway. */
class EdgeSecuritySocketTest {

    /** A stand-in for an authentication filter: refuses requests without {@code Authorization} with 401. */
    private static final Filter AUTH = (request, chain) -> request.header("Authorization") == null
            ? CompletableFuture.completedFuture(GatewayException.unauthorized("Bearer", "a token is required").toResponse())
            : chain.proceed(request);

    private final List<String> reached = new CopyOnWriteArrayList<>();
    private final List<PorticoServer> servers = new ArrayList<>();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Backend backend;

    @BeforeEach
    void startBackend() {
        backend = Backend.start(exchange -> {
            reached.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
                    + exchange.getRequestHeaders().getFirst("X-Forwarded-For"));
            exchange.getResponseHeaders().put(HttpString.tryFromString("Access-Control-Allow-Origin"), "*");
            exchange.getResponseSender().send("reached");
        });
    }

    @AfterEach
    void stop() {
        servers.forEach(server -> server.stop(Duration.ZERO));
        backend.close();
    }

    private PorticoServer start(Gateway.Builder gateway) {
        PorticoServer server = PorticoServer.start(
                gateway.route(Route.get("/api/items").to(Upstream.of("b", backend.url()))).build(), "127.0.0.1", 0);
        servers.add(server);
        return server;
    }

    private HttpResponse<String> send(PorticoServer server, String method, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/items"))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private PorticoServer corsBeforeAuth() {
        return start(Gateway.builder()
                .edgeFilter(Cors.builder().allowOrigin("https://app.example").allowMethods("GET", "PUT")
                        .allowHeaders("Authorization").allowCredentials(true).maxAge(Duration.ofMinutes(5)).build())
                .edgeFilter(AUTH));
    }

    @Test
    void answersAPreflightWith204BeforeAuthAndBeforeRoutingWouldSay405() throws Exception {
        PorticoServer server = corsBeforeAuth();

        HttpResponse<String> response = send(server, "OPTIONS", "Origin", "https://app.example",
                "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "authorization");

        assertThat(response.statusCode()).isEqualTo(204);
        assertThat(response.headers().allValues("Access-Control-Allow-Origin")).containsExactly("https://app.example");
        assertThat(response.headers().firstValue("Access-Control-Allow-Methods")).hasValue("GET, PUT");
        assertThat(response.headers().firstValue("Access-Control-Allow-Headers")).hasValue("Authorization");
        assertThat(response.headers().firstValue("Access-Control-Allow-Credentials")).hasValue("true");
        assertThat(response.headers().firstValue("Access-Control-Max-Age")).hasValue("300");
        assertThat(response.headers().firstValue("Vary")).hasValueSatisfying(vary -> assertThat(vary).startsWith("Origin"));
        assertThat(reached).isEmpty();
    }

    @Test
    void refusesAPreflightFromAnotherOriginWithoutCorsHeadersAndDecoratesActualResponsesOnce() throws Exception {
        PorticoServer server = corsBeforeAuth();

        HttpResponse<String> refused = send(server, "OPTIONS", "Origin", "https://evil.example",
                "Access-Control-Request-Method", "GET");
        HttpResponse<String> unauthorized = send(server, "GET", "Origin", "https://app.example");
        HttpResponse<String> actual = send(server, "GET", "Origin", "https://app.example", "Authorization", "Bearer t");
        HttpResponse<String> foreign = send(server, "GET", "Origin", "https://evil.example", "Authorization", "Bearer t");

        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("\"error\":\"forbidden\"");
        assertThat(refused.headers().map().keySet()).noneMatch(name -> name.startsWith("access-control-"));
        assertThat(unauthorized.statusCode()).isEqualTo(401);
        assertThat(unauthorized.headers().allValues("Access-Control-Allow-Origin")).containsExactly("https://app.example");
        assertThat(actual.statusCode()).isEqualTo(200);
        assertThat(actual.headers().allValues("Access-Control-Allow-Origin")).containsExactly("https://app.example");
        assertThat(foreign.statusCode()).isEqualTo(200);
        assertThat(foreign.headers().map().keySet()).noneMatch(name -> name.startsWith("access-control-"));
        assertThat(reached).hasSize(2);
    }

    @Test
    void decidesIpRulesOnTheClientATrustedProxyNames() throws Exception {
        PorticoServer server = start(Gateway.builder().trustedProxies("127.0.0.1")
                .edgeFilter(IpRules.builder().allow("10.0.0.0/8").deny("10.6.6.0/24").build()));

        HttpResponse<String> allowed = send(server, "GET", "X-Forwarded-For", "10.1.2.3");
        HttpResponse<String> denied = send(server, "GET", "X-Forwarded-For", "10.6.6.6");
        HttpResponse<String> outside = send(server, "GET", "X-Forwarded-For", "203.0.113.9");
        HttpResponse<String> proxyItself = send(server, "GET");

        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.body()).contains("\"error\":\"forbidden\"");
        assertThat(outside.statusCode()).isEqualTo(403);
        assertThat(proxyItself.statusCode()).isEqualTo(403);
        assertThat(reached).hasSize(1);
        assertThat(reached.get(0)).startsWith("GET /api/items 10.1.2.3");
    }

    @Test
    void aSpoofedXForwardedForFromAnUntrustedPeerChangesNoDecision() throws Exception {
        PorticoServer allowOnlyTen = start(Gateway.builder().edgeFilter(IpRules.builder().allow("10.0.0.0/8").build()));
        PorticoServer denyTen = start(Gateway.builder().edgeFilter(IpRules.builder().deny("10.0.0.0/8").build()));

        HttpResponse<String> claimsAllowed = send(allowOnlyTen, "GET", "X-Forwarded-For", "10.1.2.3");
        HttpResponse<String> claimsDenied = send(denyTen, "GET", "X-Forwarded-For", "10.6.6.6");

        assertThat(claimsAllowed.statusCode()).isEqualTo(403);
        assertThat(claimsDenied.statusCode()).isEqualTo(200);
        assertThat(reached).containsExactly("GET /api/items 127.0.0.1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/0.9", "HTTP/1.2", "HTTP/3.0", "HTTP/9.9"})
    void refusesAnHttpVersionOtherThan10And11With505ThatEdgeFiltersSee(String version) throws Exception {
        PorticoServer server = start(Gateway.builder().edgeFilter(SecurityHeaders.builder().contentTypeOptions().build()));

        RawHttp.Reply reply = RawHttp.send(server.port(), "GET /api/items " + version + "\r\nHost: x\r\n\r\n");

        assertThat(reply.status()).isEqualTo(505);
        assertThat(reply.body()).contains("\"error\":\"http_version_not_supported\"");
        assertThat(reply.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(reply.header("Connection")).isEqualToIgnoringCase("close");
        assertThat(reached).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/2.0", "HTTP/1.10", "HTTP/x.y", "http/1.1", "HTTP/3"})
    void versionsUndertowsParserRefusesGetItsEmpty400AndNeverReachTheBackend(String version) throws Exception {
        PorticoServer server = start(Gateway.builder());

        RawHttp.Reply reply = RawHttp.send(server.port(), "GET /api/items " + version + "\r\nHost: x\r\n\r\n");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reached).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.0", "HTTP/1.1"})
    void http10And11AreServed(String version) throws Exception {
        PorticoServer server = start(Gateway.builder());

        RawHttp.Reply reply = RawHttp.send(server.port(),
                "GET /api/items " + version + "\r\nHost: x\r\nConnection: close\r\n\r\n");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo("reached");
    }
}
