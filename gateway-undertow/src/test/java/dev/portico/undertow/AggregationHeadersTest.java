package dev.portico.undertow;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import dev.portico.core.Gateway;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.aggregate.Aggregator;
import dev.portico.core.aggregate.Part;
import dev.portico.core.auth.JwtAuth;
import dev.portico.core.observe.RequestIds;
import dev.portico.core.upstream.Upstream;
import dev.portico.undertow.AggregationBackend.Received;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static dev.portico.undertow.AggregationBackend.Answer.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Over real sockets, each part's path, query and headers take the request's captures, query, headers and principal,
 * and only the caller headers the aggregator names reach the parts; a client can never choose an identity header.
 */
class AggregationHeadersTest {

    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private AggregationBackend backend;
    private Upstream service;
    private PorticoServer gateway;

    @BeforeEach
    void start() {
        backend = new AggregationBackend().on("/users/alice", json("{\"id\":\"alice\"}"))
                .on("/orders", json("[]"));
        service = Upstream.of("service", backend.url());
    }

    @AfterEach
    void stop() {
        gateway.stop(Duration.ZERO);
        backend.close();
    }

    private void serve(Aggregator.Builder aggregator) {
        JwtAuth jwt = JwtAuth.builder().hs256(SECRET).claimHeader("sub", "X-User-Id").build();
        gateway = PorticoServer.start(Gateway.builder()
                .route(Route.get("/dash/{item}").filter(jwt).handler(aggregator.build()))
                .route(Route.get("/open").handler(aggregator.build()))
                .build(), "127.0.0.1", 0);
    }

    private static String token(String subject) {
        return JWT.create().withSubject(subject).withClaim("tenant", "acme")
                .withExpiresAt(Instant.now().plusSeconds(300)).sign(Algorithm.HMAC256(SECRET));
    }

    private RawHttp.Reply send(String target, String... headers) throws Exception {
        StringBuilder request = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: x\r\n");
        for (String header : headers) {
            request.append(header).append("\r\n");
        }
        return RawHttp.send(gateway.port(), request.append("Connection: close\r\n\r\n").toString());
    }

    @Test
    void placeholdersTakeTheCaptureSubjectClaimQueryAndHeaders() throws Exception {
        serve(Aggregator.builder()
                .part("user", Part.get(service, "/users/{sub}"))
                .part("orders", Part.get(service, "/orders?status=open")
                        .query("userId", "{sub}").query("tenant", "{claim.tenant}").query("q", "{query.q}")
                        .query("absent", "{query.nope}")
                        .header("Accept-Language", "{header.Accept-Language}").header("X-Item", "{item}"))
                .part("item", Part.get(service, "/items/{item}").optional()));
        String token = token("alice");

        RawHttp.Reply reply = send("/dash/a%20b?q=red%20shoes", "Authorization: Bearer " + token,
                "Accept-Language: nb-NO");

        assertThat(reply.status()).isEqualTo(200);
        Received orders = backend.received("/orders").get(0);
        assertThat(orders.query()).isEqualTo("status=open&userId=alice&tenant=acme&q=red+shoes");
        assertThat(orders.header("Accept-Language")).isEqualTo("nb-NO");
        assertThat(orders.header("X-Item")).isEqualTo("a b");
        assertThat(backend.received("/users/alice")).hasSize(1);
        assertThat(reply.body()).contains("\"user\":{\"id\":\"alice\"}");
    }

    /**
     * A request the model refuses to build (here a configured header value with a line break) fails its part at
     * once, never leaving the answer to the deadline.
     */
    @Test
    void aPartWhoseRequestCannotBeBuiltFailsAtOnce() throws Exception {
        serve(Aggregator.builder().part("user", Part.get(service, "/users/{query.who}").header("X-Note", "a\r\nb"))
                .deadline(Duration.ofSeconds(30)));

        long start = System.nanoTime();
        RawHttp.Reply reply = send("/open?who=alice");

        assertThat(reply.status()).isEqualTo(502);
        assertThat(reply.body()).contains("\"error\"").doesNotContain("Exception");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(backend.received("/users/alice")).isEmpty();
    }

    @Test
    void aPathValueIsEncodedAsOneSegment() throws Exception {
        serve(Aggregator.builder().part("item", Part.get(service, "/items/{item}/{query.name}").optional())
                .part("user", Part.get(service, "/users/{sub}")));

        RawHttp.Reply reply = send("/dash/a%20b?name=x%2Fy%3F", "Authorization: Bearer " + token("alice"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(backend.received()).extracting(Received::path).contains("/items/a%20b/x%2Fy%3F");
    }

    @Test
    void byDefaultForwardsAuthorizationTraceContextRequestIdAndIdentityOnly() throws Exception {
        serve(Aggregator.builder().part("user", Part.get(service, "/users/{sub}")));
        String token = token("alice");

        send("/dash/x", "Authorization: Bearer " + token, "traceparent: " + TRACEPARENT, "tracestate: k=v",
                "X-Request-Id: r-1", "Cookie: session=secret", "X-Api-Key: k", "Accept-Language: nb-NO");

        Received user = backend.received("/users/alice").get(0);
        assertThat(user.header("Authorization")).isEqualTo("Bearer " + token);
        assertThat(user.header("traceparent")).isEqualTo(TRACEPARENT);
        assertThat(user.header("tracestate")).isEqualTo("k=v");
        assertThat(user.header("X-Request-Id")).isEqualTo("r-1");
        assertThat(user.header("X-User-Id")).isEqualTo("alice");
        assertThat(user.headers()).doesNotContainKeys("cookie", "x-api-key", "accept-language");
        assertThat(user.header("Accept")).isEqualTo("application/json");
    }

    @Test
    void aClientSentIdentityHeaderNeverReachesAPart() throws Exception {
        serve(Aggregator.builder().part("orders", Part.get(service, "/orders")));

        send("/open", "X-User-Id: mallory", "x-user-id: eve");
        send("/dash/x", "Authorization: Bearer " + token("alice"), "X-User-Id: mallory");

        assertThat(backend.received("/orders")).hasSize(2);
        assertThat(backend.received("/orders").get(0).header("X-User-Id")).isNull();
        assertThat(backend.received("/orders").get(1).header("X-User-Id")).isEqualTo("alice");
    }

    @Test
    void forwardsOnlyTheHeadersItNames() throws Exception {
        serve(Aggregator.builder().part("user", Part.get(service, "/users/{sub}"))
                .forwardHeaders("Accept-Language").forwardIdentityHeaders(false));

        send("/dash/x", "Authorization: Bearer " + token("alice"), "Accept-Language: nb-NO", "X-Request-Id: r-1");

        Received user = backend.received("/users/alice").get(0);
        assertThat(user.header("Accept-Language")).isEqualTo("nb-NO");
        assertThat(user.headers()).doesNotContainKeys("authorization", "x-user-id");
        assertThat(user.header("X-Request-Id")).as("the request id, sent whatever the list").isEqualTo("r-1");
    }

    @Test
    void aHandlerPartSeesTheRequestIdInItsRequest() throws Exception {
        Aggregator aggregator = Aggregator.builder().part("local", Part.handler((request, context) ->
                CompletableFuture.completedFuture(Response.json(200, "{\"id\":\""
                        + request.header("X-Correlation-Id") + "\"}")), "/local")).build();
        gateway = PorticoServer.start(Gateway.builder().requestIds(RequestIds.header("X-Correlation-Id"))
                .route(Route.get("/open").handler(aggregator)).build(), "127.0.0.1", 0);

        RawHttp.Reply reply = send("/open", "X-Correlation-Id: corr-9");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).contains("\"id\":\"corr-9\"");
    }

    @Test
    void theRequestIdReachesEveryPartInTheGatewaysRequestIdHeaderAsChecked() throws Exception {
        Aggregator aggregator = Aggregator.builder().part("orders", Part.get(service, "/orders")).build();
        gateway = PorticoServer.start(Gateway.builder().requestIds(RequestIds.header("X-Correlation-Id"))
                .route(Route.get("/open").handler(aggregator)).build(), "127.0.0.1", 0);

        RawHttp.Reply kept = send("/open", "X-Correlation-Id: corr-1", "X-Request-Id: other");
        RawHttp.Reply replaced = send("/open", "X-Correlation-Id: <script>");

        List<Received> received = backend.received("/orders");
        assertThat(received.get(0).header("X-Correlation-Id")).isEqualTo("corr-1");
        assertThat(received.get(0).headers()).doesNotContainKey("x-request-id");
        assertThat(received.get(1).header("X-Correlation-Id")).isEqualTo(replaced.header("X-Correlation-Id"))
                .matches(RequestIds::sane);
        assertThat(kept.header("X-Correlation-Id")).isEqualTo("corr-1");
    }

    @Test
    void aPathPlaceholderWithoutAValueFailsThePartWithoutACall() throws Exception {
        serve(Aggregator.builder().part("user", Part.get(service, "/users/{sub}")));

        RawHttp.Reply reply = send("/open");

        assertThat(reply.status()).isEqualTo(502);
        assertThat(reply.body()).contains("part user failed: no value for {sub}");
        assertThat(backend.received()).isEmpty();
    }

    @Test
    void aPartValueThatIsADotSegmentIsRefused() throws Exception {
        backend.on("/users/alice", json("{\"next\":\"..\"}"));
        serve(Aggregator.builder().part("user", Part.get(service, "/users/{sub}"))
                .part("next", Part.get(service, "/users/{user.next}/admin").optional()));

        RawHttp.Reply reply = send("/dash/x", "Authorization: Bearer " + token("alice"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("X-Gateway-Partial")).isEqualTo("true");
        assertThat(backend.received()).extracting(Received::path).containsExactly("/users/alice");
    }
}
