package dev.portico.core;

import dev.portico.core.upstream.Endpoint;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static dev.portico.core.Http.get;
import static dev.portico.core.Http.request;
import static org.assertj.core.api.Assertions.assertThat;

/** What the gateway sends to the upstream and gives back: hop-by-hop removal, forwarding headers, exact targets. */
class ProxyHeadersTest {

    private static final Upstream BACKEND = Upstream.of("backend", "http://backend:8080");
    private static final InetSocketAddress PROXY = Http.address("10.0.0.5", 40000);

    private final RecordingUpstreamClient upstream = new RecordingUpstreamClient();
    private final Gateway direct = Gateway.builder().route(Route.any("/**").to(BACKEND)).build();
    private final Gateway behindProxies = Gateway.builder()
            .trustedProxies("10.0.0.0/8")
            .route(Route.any("/**").to(BACKEND))
            .build();

    private Request sent(Gateway gateway, Request request, InetSocketAddress peer) {
        assertThat(Http.send(gateway, request, peer, upstream).status()).isEqualTo(200);
        return upstream.takeRequest();
    }

    private Request sent(Request request) {
        return sent(direct, request, Http.CLIENT);
    }

    @Test
    void hopByHopRequestHeadersAreRemoved() {
        Request request = request("GET", "/a")
                .header("Connection", "keep-alive, Upgrade")
                .header("Keep-Alive", "timeout=5")
                .header("TE", "trailers")
                .header("Trailer", "X-Checksum")
                .header("Transfer-Encoding", "chunked")
                .header("Upgrade", "websocket")
                .header("Proxy-Authorization", "Basic Zm9vOmJhcg==")
                .header("Proxy-Connection", "keep-alive")
                .header("Authorization", "Bearer end-to-end")
                .header("Accept", "application/json")
                .build();

        Request sent = sent(request);

        assertThat(sent.headers().names()).doesNotContainAnyElementsOf(java.util.List.of("Connection", "Keep-Alive",
                "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Proxy-Authorization", "Proxy-Connection"));
        assertThat(sent.header("Authorization")).isEqualTo("Bearer end-to-end");
        assertThat(sent.header("Accept")).isEqualTo("application/json");
    }

    @Test
    void hopByHopHeadersAreRemovedWhateverTheirCase() {
        Request sent = sent(request("GET", "/a").header("connection", "close").header("KEEP-ALIVE", "1")
                .header("te", "trailers").header("transfer-encoding", "chunked").header("PROXY-authorization", "x")
                .build());

        assertThat(sent.headers().names()).map(String::toLowerCase)
                .doesNotContain("connection", "keep-alive", "te", "transfer-encoding", "proxy-authorization");
    }

    @Test
    void headersNamedByConnectionAreRemoved() {
        Request sent = sent(request("GET", "/a")
                .addHeader("Connection", "X-Private, x-other")
                .addHeader("Connection", " X-Third ")
                .header("x-private", "secret")
                .header("X-Other", "o")
                .header("X-Third", "t")
                .header("X-Public", "p")
                .build());

        assertThat(sent.headers().contains("X-Private")).isFalse();
        assertThat(sent.headers().contains("X-Other")).isFalse();
        assertThat(sent.headers().contains("X-Third")).isFalse();
        assertThat(sent.header("X-Public")).isEqualTo("p");
    }

    @Test
    void endToEndHeadersKeepTheirOrderAndRepeatedValues() {
        Request sent = sent(request("GET", "/a").addHeader("Accept", "text/html").addHeader("X-B", "1")
                .addHeader("accept", "application/json").build());

        assertThat(sent.headers().getAll("Accept")).containsExactly("text/html", "application/json");
        assertThat(sent.header("X-B")).isEqualTo("1");
    }

    @Test
    void forwardingHeadersDescribeTheDirectClient() {
        Request sent = sent(request("GET", "/a").header("Host", "api.example.com").build());

        assertThat(sent.headers().getAll("X-Forwarded-For")).containsExactly("203.0.113.7");
        assertThat(sent.headers().getAll("X-Forwarded-Proto")).containsExactly("http");
        assertThat(sent.headers().getAll("X-Forwarded-Host")).containsExactly("api.example.com");
        assertThat(sent.headers().getAll("X-Forwarded-Port")).containsExactly("8080");
        assertThat(sent.headers().getAll("Forwarded")).containsExactly("for=203.0.113.7;proto=http;host=api.example.com");
        assertThat(sent.headers().getAll("Host")).containsExactly("backend:8080");
    }

    @Test
    void forwardingHeadersCarryTheClientsSchemeAndQuoteWhatNeedsIt() {
        Request sent = sent(request("GET", "/a").scheme("https").header("Host", "api.example.com:8443").build());

        assertThat(sent.header("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(sent.header("X-Forwarded-Host")).isEqualTo("api.example.com:8443");
        assertThat(sent.header("Forwarded")).isEqualTo("for=203.0.113.7;proto=https;host=\"api.example.com:8443\"");
    }

    @Test
    void forwardedPortIsTheListenersWhateverADirectClientsHostSays() {
        Request request = request("GET", "/a").scheme("https").header("Host", "api.example.com:8443").build();

        assertThat(Http.send(direct, request, Http.CLIENT, Http.address("192.0.2.1", 9443), upstream).status()).isEqualTo(200);

        assertThat(upstream.takeRequest().header("X-Forwarded-Port")).isEqualTo("9443");
    }

    @Test
    void withoutTheListenersAddressTheSchemesDefaultPortIsForwarded() {
        Http.send(direct, request("GET", "/a").scheme("https").header("Host", "api.example.com:8443").build(),
                Http.CLIENT, null, upstream);
        Http.send(direct, request("GET", "/a").header("Host", "api.example.com:8081").build(), Http.CLIENT, null, upstream);

        assertThat(upstream.takeRequest().header("X-Forwarded-Port")).isEqualTo("443");
        assertThat(upstream.takeRequest().header("X-Forwarded-Port")).isEqualTo("80");
    }

    @Test
    void forwardedPortOfATrustedProxyWithoutOneIsItsHostsPort() {
        Request sent = sent(behindProxies, request("GET", "/a").scheme("https").header("Host", "api.example.com:8443").build(),
                PROXY);

        assertThat(sent.header("X-Forwarded-Port")).isEqualTo("8443");
        assertThat(sent(behindProxies, request("GET", "/a").scheme("https").header("Host", "api.example.com").build(), PROXY)
                .header("X-Forwarded-Port")).isEqualTo("443");
    }

    @Test
    void anEmptyHostIsAQuotedEmptyStringInForwarded() {
        Request sent = sent(request("GET", "/a").header("Host", "").build());

        assertThat(sent.header("Forwarded")).isEqualTo("for=203.0.113.7;proto=http;host=\"\""); // RFC 7239 syntax
    }

    @Test
    void withoutAClientHostNoForwardedHostIsInvented() {
        Request sent = sent(request("GET", "/a").removeHeader("Host").build());

        assertThat(sent.headers().contains("X-Forwarded-Host")).isFalse();
        assertThat(sent.header("Forwarded")).isEqualTo("for=203.0.113.7;proto=http");
        assertThat(sent.header("Host")).isEqualTo("backend:8080");
    }

    @Test
    void ipv6ClientIsBracketedAndQuotedInForwarded() {
        Request sent = sent(direct, get("/a"), Http.address("2001:db8::1", 5000));

        assertThat(sent.header("X-Forwarded-For")).isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(sent.header("Forwarded")).startsWith("for=\"[2001:db8:0:0:0:0:0:1]\";proto=http");
    }

    @Test
    void forwardingHeadersFromAnUntrustedPeerAreReplaced() {
        Request sent = sent(request("GET", "/a")
                .header("Host", "api.example.com")
                .header("X-Forwarded-For", "1.2.3.4")
                .header("x-forwarded-proto", "https")
                .header("X-Forwarded-Host", "evil.example")
                .header("X-Forwarded-Port", "1")
                .header("X-Forwarded-Prefix", "/evil")
                .header("Forwarded", "for=1.2.3.4;host=evil.example")
                .build());

        assertThat(sent.headers().getAll("X-Forwarded-For")).containsExactly("203.0.113.7");
        assertThat(sent.headers().getAll("X-Forwarded-Proto")).containsExactly("http");
        assertThat(sent.headers().getAll("X-Forwarded-Host")).containsExactly("api.example.com");
        assertThat(sent.headers().getAll("X-Forwarded-Port")).containsExactly("8080");
        assertThat(sent.headers().getAll("Forwarded")).containsExactly("for=203.0.113.7;proto=http;host=api.example.com");
        assertThat(sent.headers().contains("X-Forwarded-Prefix")).isFalse();
    }

    /** CGI-style servers (WSGI, PHP, Rack) read {@code X_Forwarded_For} as {@code HTTP_X_FORWARDED_FOR}. */
    @Test
    void underscoreSpellingsOfForwardingAndClientIpHeadersNeverPass() {
        Request claiming = request("GET", "/a")
                .header("X_Forwarded_For", "6.6.6.6")
                .header("x_forwarded-host", "evil.example")
                .header("X_Real_IP", "6.6.6.6")
                .header("True_Client_Ip", "6.6.6.6")
                .header("X_Custom_Name", "kept")
                .build();

        Request direct = sent(behindProxies, claiming, Http.CLIENT);
        Request proxied = sent(behindProxies, claiming, PROXY);

        assertThat(direct.headers().names()).doesNotContain("X_Forwarded_For", "x_forwarded-host", "X_Real_IP",
                "True_Client_Ip");
        assertThat(direct.headers().getAll("X-Forwarded-For")).containsExactly("203.0.113.7");
        assertThat(direct.header("X_Custom_Name")).isEqualTo("kept");
        // a trusted proxy's look-alike is not believed either: no proxy sends one, and the backend would read it
        assertThat(proxied.headers().names()).doesNotContain("X_Forwarded_For", "x_forwarded-host");
        assertThat(proxied.headers().getAll("X-Forwarded-For")).containsExactly("10.0.0.5");
    }

    /** IIS, Symfony and others route by X-Original-URL: /public with it set to /admin would reach /admin. */
    @Test
    void urlAndMethodOverrideHeadersAreRemovedFromEveryPeerBeforeFilters() {
        Request overriding = request("GET", "/a")
                .header("X-Original-URL", "/admin").header("x-rewrite-url", "/admin").header("X-Override-URL", "/admin")
                .header("X-HTTP-Method-Override", "DELETE").header("X-HTTP-Method", "DELETE")
                .header("X_Method_Override", "DELETE").header("X-Other", "kept").build();
        List<String> overrides = List.of("x-original-url", "x-rewrite-url", "x-override-url", "x-http-method-override",
                "x-http-method", "x_method_override");
        java.util.concurrent.atomic.AtomicReference<Request> seenByFilter = new java.util.concurrent.atomic.AtomicReference<>();
        Gateway gateway = Gateway.builder().trustedProxies("10.0.0.0/8")
                .edgeFilter((request, chain) -> {
                    seenByFilter.set(request);
                    return chain.proceed(request.toBuilder().header("X-HTTP-Method-Override", "PATCH").build());
                })
                .route(Route.any("/**").to(BACKEND)).build();

        Request fromClient = sent(direct, overriding, Http.CLIENT);
        Request proxied = sent(gateway, overriding, PROXY);

        assertThat(fromClient.headers().names()).map(String::toLowerCase).doesNotContainAnyElementsOf(overrides);
        assertThat(fromClient.header("X-Other")).isEqualTo("kept");
        assertThat(seenByFilter.get().headers().names()).map(String::toLowerCase).doesNotContainAnyElementsOf(overrides);
        assertThat(proxied.headers().getAll("X-HTTP-Method-Override")).containsExactly("PATCH"); // a filter's own
        assertThat(proxied.headers().contains("X-Original-URL")).isFalse();
    }

    @Test
    void overrideHeadersCanBeReplacedOrNone() {
        Gateway none = Gateway.builder().overrideHeaders().route(Route.any("/**").to(BACKEND)).build();
        Gateway custom = Gateway.builder().overrideHeaders("X-Custom-Rewrite").route(Route.any("/**").to(BACKEND)).build();
        Request request = request("GET", "/a").header("X-Original-URL", "/admin").header("X-Custom-Rewrite", "/b").build();

        assertThat(none.overrideHeaders()).isEmpty();
        assertThat(direct.overrideHeaders()).contains("X-Original-URL", "X-HTTP-Method-Override");
        assertThat(sent(none, request, Http.CLIENT).header("X-Original-URL")).isEqualTo("/admin");
        Request fromCustom = sent(custom, request, Http.CLIENT);
        assertThat(fromCustom.header("X-Original-URL")).isEqualTo("/admin");
        assertThat(fromCustom.headers().contains("X-Custom-Rewrite")).isFalse();
    }

    /** "httpoxy": a CGI-style server takes a {@code Proxy} header for its {@code HTTP_PROXY} setting. */
    @Test
    void proxyHeaderIsNeverForwarded() {
        Request sent = sent(request("GET", "/a").header("Proxy", "http://evil.example:8080")
                .header("Proxy_Authorization", "Basic eA==").header("Proxyish", "kept").build());

        assertThat(sent.headers().names()).doesNotContain("Proxy", "Proxy_Authorization");
        assertThat(sent.header("Proxyish")).isEqualTo("kept");
    }

    private static Request claimingAClientAddress() {
        return request("GET", "/a")
                .header("X-Real-IP", "6.6.6.6")
                .header("x-client-ip", "6.6.6.6")
                .header("TRUE-CLIENT-IP", "6.6.6.6")
                .header("CF-Connecting-IP", "6.6.6.6")
                .header("X-Cluster-Client-IP", "6.6.6.6")
                .header("Fastly-Client-IP", "6.6.6.6")
                .header("X-Other", "kept")
                .build();
    }

    private static final List<String> CLIENT_IP_HEADERS = List.of("x-real-ip", "x-client-ip", "true-client-ip",
            "cf-connecting-ip", "x-cluster-client-ip", "fastly-client-ip");

    @Test
    void clientIpHeadersFromAnUntrustedPeerAreRemoved() {
        Request sent = sent(behindProxies, claimingAClientAddress(), Http.CLIENT);

        assertThat(sent.headers().names()).map(String::toLowerCase).doesNotContainAnyElementsOf(CLIENT_IP_HEADERS);
        assertThat(sent.header("X-Other")).isEqualTo("kept");
    }

    @Test
    void clientIpHeadersFromATrustedProxyPass() {
        Request sent = sent(behindProxies, claimingAClientAddress(), PROXY);

        assertThat(sent.headers().names()).map(String::toLowerCase).containsAll(CLIENT_IP_HEADERS);
        assertThat(sent.header("True-Client-IP")).isEqualTo("6.6.6.6");
    }

    @Test
    void clientIpHeadersAreRemovedBeforeFiltersSoAFilterCanSetThem() {
        Gateway gateway = Gateway.builder()
                .filter((request, chain) -> chain.proceed(request.toBuilder()
                        .header("X-Real-IP", chain.context().clientAddress().getAddress().getHostAddress()).build()))
                .route(Route.any("/**").to(BACKEND))
                .build();

        assertThat(sent(gateway, claimingAClientAddress(), Http.CLIENT).headers().getAll("X-Real-IP"))
                .containsExactly("203.0.113.7");
    }

    @Test
    void clientIpHeadersCanBeReplacedOrNone() {
        Gateway custom = Gateway.builder().clientIpHeaders("X-Custom-Client").route(Route.any("/**").to(BACKEND)).build();
        Gateway none = Gateway.builder().clientIpHeaders().route(Route.any("/**").to(BACKEND)).build();
        Request request = claimingAClientAddress().toBuilder().header("x-custom-client", "6.6.6.6").build();

        Request fromCustom = sent(custom, request, Http.CLIENT);
        Request fromNone = sent(none, request, Http.CLIENT);

        assertThat(fromCustom.headers().contains("X-Custom-Client")).isFalse();
        assertThat(fromCustom.header("X-Real-IP")).isEqualTo("6.6.6.6");
        assertThat(fromNone.header("X-Custom-Client")).isEqualTo("6.6.6.6");
        assertThat(fromNone.headers().names()).map(String::toLowerCase).containsAll(CLIENT_IP_HEADERS);
    }

    @Test
    void forwardingHeadersFromAPeerOutsideTheTrustedBlocksAreReplaced() {
        Request sent = sent(behindProxies, request("GET", "/a").header("X-Forwarded-For", "1.2.3.4").build(), Http.CLIENT);

        assertThat(sent.headers().getAll("X-Forwarded-For")).containsExactly("203.0.113.7");
    }

    @Test
    void forwardingHeadersFromATrustedProxyAreAppendedTo() {
        Request sent = sent(behindProxies, request("GET", "/a")
                .header("Host", "internal-lb:8080")
                .header("X-Forwarded-For", "198.51.100.9")
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "api.example.com")
                .header("X-Forwarded-Port", "443")
                .header("Forwarded", "for=198.51.100.9;proto=https;host=api.example.com")
                .build(), PROXY);

        assertThat(sent.headers().getAll("X-Forwarded-For")).containsExactly("198.51.100.9, 10.0.0.5");
        assertThat(sent.headers().getAll("X-Forwarded-Proto")).containsExactly("https");
        assertThat(sent.headers().getAll("X-Forwarded-Host")).containsExactly("api.example.com");
        assertThat(sent.headers().getAll("X-Forwarded-Port")).containsExactly("443");
        assertThat(sent.headers().getAll("Forwarded")).containsExactly(
                "for=198.51.100.9;proto=https;host=api.example.com, for=10.0.0.5;proto=http;host=\"internal-lb:8080\"");
    }

    @Test
    void repeatedForwardedForHeadersFromATrustedProxyAreJoinedInOrder() {
        Request sent = sent(behindProxies, request("GET", "/a")
                .addHeader("X-Forwarded-For", "198.51.100.1")
                .addHeader("X-Forwarded-For", "198.51.100.2, 10.0.0.9")
                .build(), PROXY);

        assertThat(sent.headers().getAll("X-Forwarded-For")).containsExactly("198.51.100.1, 198.51.100.2, 10.0.0.9, 10.0.0.5");
    }

    @Test
    void trustedProxyWithoutForwardingHeadersIsTheClient() {
        Request sent = sent(behindProxies, get("/a"), PROXY);

        assertThat(sent.headers().getAll("X-Forwarded-For")).containsExactly("10.0.0.5");
        assertThat(sent.header("X-Forwarded-Proto")).isEqualTo("http");
    }

    @Test
    void singleAddressCanBeTrusted() {
        Gateway gateway = Gateway.builder().trustedProxies("10.0.0.5").route(Route.any("/**").to(BACKEND)).build();

        assertThat(sent(gateway, request("GET", "/a").header("X-Forwarded-For", "1.1.1.1").build(), PROXY)
                .header("X-Forwarded-For")).isEqualTo("1.1.1.1, 10.0.0.5");
        assertThat(sent(gateway, request("GET", "/a").header("X-Forwarded-For", "1.1.1.1").build(),
                Http.address("10.0.0.6", 1)).header("X-Forwarded-For")).isEqualTo("10.0.0.6");
    }

    @Test
    void ipv6BlocksCanBeTrusted() {
        Gateway gateway = Gateway.builder().trustedProxies("fd00::/8").route(Route.any("/**").to(BACKEND)).build();

        assertThat(sent(gateway, request("GET", "/a").header("X-Forwarded-For", "1.1.1.1").build(),
                Http.address("fd12::1", 1)).header("X-Forwarded-For")).isEqualTo("1.1.1.1, fd12:0:0:0:0:0:0:1");
        assertThat(sent(gateway, request("GET", "/a").header("X-Forwarded-For", "1.1.1.1").build(),
                Http.address("fe80::1", 1)).header("X-Forwarded-For")).isEqualTo("fe80:0:0:0:0:0:0:1");
    }

    private String clientAddressOf(Gateway.Builder builder, Request request, InetSocketAddress peer) {
        Gateway gateway = builder.route(Route.any("/**").handler((r, context) -> CompletableFuture.completedFuture(
                Response.builder(200).header("X-Client", context.clientAddress().getAddress().getHostAddress())
                        .header("X-Peer", context.peerAddress().getAddress().getHostAddress()).build()))).build();
        Response response = Http.send(gateway, request, peer, upstream);
        assertThat(response.header("X-Peer")).isEqualTo(peer.getAddress().getHostAddress());
        return response.header("X-Client");
    }

    private String clientAddressBehindProxies(String... forwardedFor) {
        Request.Builder request = request("GET", "/a");
        for (String value : forwardedFor) {
            request.addHeader("X-Forwarded-For", value);
        }
        return clientAddressOf(Gateway.builder().trustedProxies("10.0.0.0/8"), request.build(), PROXY);
    }

    @Test
    void clientAddressIsTheUntrustedPeerWhateverItClaims() {
        assertThat(clientAddressOf(Gateway.builder().trustedProxies("10.0.0.0/8"),
                request("GET", "/a").header("X-Forwarded-For", "198.51.100.9").build(), Http.CLIENT))
                .isEqualTo("203.0.113.7");
        assertThat(clientAddressOf(Gateway.builder(),
                request("GET", "/a").header("X-Forwarded-For", "198.51.100.9").build(), PROXY))
                .isEqualTo("10.0.0.5");
    }

    @Test
    void clientAddressIsTheAddressATrustedProxyReports() {
        assertThat(clientAddressBehindProxies("198.51.100.9")).isEqualTo("198.51.100.9");
    }

    @Test
    void clientAddressIsTheRightmostUntrustedHop() {
        assertThat(clientAddressBehindProxies("6.6.6.6, 198.51.100.9, 10.0.0.7")).isEqualTo("198.51.100.9");
    }

    @Test
    void clientAddressReadsAcrossRepeatedForwardedForHeaders() {
        assertThat(clientAddressBehindProxies("6.6.6.6", "198.51.100.9", "10.1.1.1")).isEqualTo("198.51.100.9");
    }

    @Test
    void clientAddressIsTheLeftmostHopWhenEveryHopIsTrusted() {
        assertThat(clientAddressBehindProxies("10.0.0.8, 10.0.0.7")).isEqualTo("10.0.0.8");
    }

    @Test
    void clientAddressIsThePeerWhenATrustedProxySendsNoForwardedFor() {
        assertThat(clientAddressBehindProxies()).isEqualTo("10.0.0.5");
    }

    @Test
    void clientAddressBelievesNothingLeftOfAHopThatIsNotAnAddress() {
        assertThat(clientAddressBehindProxies("198.51.100.9, unknown")).isEqualTo("10.0.0.5");
        assertThat(clientAddressBehindProxies("198.51.100.9, localhost, 10.0.0.7")).isEqualTo("10.0.0.7");
    }

    @Test
    void clientAddressAcceptsBracketedIpv6Hops() {
        assertThat(clientAddressBehindProxies("[2001:db8::7]")).isEqualTo("2001:db8:0:0:0:0:0:7");
    }

    @Test
    void clientAddressIsResolvedFromTheRequestAsReceivedEvenIfAFilterDropsForwardedFor() {
        Gateway.Builder builder = Gateway.builder().trustedProxies("10.0.0.0/8")
                .filter((request, chain) -> chain.proceed(request.toBuilder().removeHeader("X-Forwarded-For").build()));

        assertThat(clientAddressOf(builder, request("GET", "/a").header("X-Forwarded-For", "198.51.100.9").build(), PROXY))
                .isEqualTo("198.51.100.9");
    }

    @Test
    void rawPathAndQueryAreForwardedByteForByte() {
        Request sent = sent(get("/a%20b/%7e%7E/caf%C3%A9?q=%2F&x=1+2&y=%2f%zz&&flag"));

        assertThat(sent.rawPath()).isEqualTo("/a%20b/%7e%7E/caf%C3%A9");
        assertThat(sent.rawQuery()).isEqualTo("q=%2F&x=1+2&y=%2f%zz&&flag");
        assertThat(sent.target()).isEqualTo("/a%20b/%7e%7E/caf%C3%A9?q=%2F&x=1+2&y=%2f%zz&&flag");
    }

    @Test
    void emptyQueryIsForwardedAsEmptyNotDropped() {
        Request sent = sent(get("/a?"));

        assertThat(sent.rawQuery()).isEmpty();
        assertThat(sent.target()).isEqualTo("/a?");
    }

    @Test
    void noQueryStaysNoQuery() {
        assertThat(sent(get("/a")).rawQuery()).isNull();
    }

    @Test
    void methodSchemeAndBodyAreForwardedUnchanged() {
        Body body = Body.of("{\"name\":\"ann\"}");

        Request sent = sent(request("POST", "/a").scheme("https").header("Content-Type", "application/json").body(body).build());

        assertThat(sent.method()).isEqualTo("POST");
        assertThat(sent.scheme()).isEqualTo("https");
        assertThat(sent.body()).isSameAs(body);
        assertThat(sent.header("Content-Type")).isEqualTo("application/json");
    }

    @Test
    void requestGoesToTheUpstreamsEndpoint() {
        Http.send(direct, get("/a"), upstream);

        RecordingUpstreamClient.Call call = upstream.takeCall();
        assertThat(call.endpoint()).isEqualTo(new Endpoint("http", "backend", 8080, ""));
        assertThat(call.options().upstream()).isEqualTo("backend");
    }

    @Test
    void upstreamBasePathIsLeftToTheTransport() {
        Gateway gateway = Gateway.builder().route(Route.get("/a").to(Upstream.of("based", "http://h:81/base/"))).build();

        Http.send(gateway, get("/a"), upstream);

        RecordingUpstreamClient.Call call = upstream.takeCall();
        assertThat(call.endpoint().basePath()).isEqualTo("/base");
        assertThat(call.request().rawPath()).isEqualTo("/a");
        assertThat(call.request().header("Host")).isEqualTo("h:81");
    }

    @Test
    void requestsAreSpreadOverInstancesInTurn() {
        Gateway gateway = Gateway.builder()
                .route(Route.get("/a").to(Upstream.of("pair", "http://one:1", "http://two:2", "http://[::1]:3")))
                .build();

        for (int i = 0; i < 6; i++) {
            Http.send(gateway, get("/a"), upstream);
        }

        assertThat(upstream.calls()).extracting(call -> call.request().header("Host"))
                .containsExactly("one:1", "two:2", "[::1]:3", "one:1", "two:2", "[::1]:3");
    }

    @Test
    void hopByHopResponseHeadersAreRemoved() {
        upstream.enqueue(Response.builder(200)
                .header("Connection", "close, X-Backend-Private")
                .header("Keep-Alive", "timeout=5")
                .header("Transfer-Encoding", "chunked")
                .header("Trailer", "X-Checksum")
                .header("Upgrade", "h2c")
                .header("Proxy-Authenticate", "Basic")
                .header("x-backend-private", "secret")
                .header("Content-Type", "text/plain")
                .addHeader("Set-Cookie", "a=1")
                .addHeader("Set-Cookie", "b=2")
                .build());

        Response response = Http.send(direct, get("/a"), upstream);

        assertThat(response.headers().names()).map(String::toLowerCase).doesNotContain("connection", "keep-alive",
                "transfer-encoding", "trailer", "upgrade", "proxy-authenticate", "x-backend-private");
        assertThat(response.header("Content-Type")).isEqualTo("text/plain");
        assertThat(response.headers().getAll("Set-Cookie")).containsExactly("a=1", "b=2");
    }

    @Test
    void cleanUpstreamResponseIsPassedThroughAsIs() {
        Response fromUpstream = Response.builder(201).header("Location", "/a/1").body(Body.of("made")).build();
        upstream.enqueue(fromUpstream);

        Response response = Http.send(direct, get("/a"), upstream);

        assertThat(response.status()).isEqualTo(201);
        assertThat(response.toBuilder().removeHeader("X-Request-Id").build().headers()).isEqualTo(fromUpstream.headers());
        assertThat(response.body()).isSameAs(fromUpstream.body());
    }

    @Test
    void upstreamErrorStatusesArePassedThroughNotRewritten() {
        upstream.enqueue(Response.builder(503).header("Retry-After", "3").body(Body.of("backend busy")).build());

        Response response = Http.send(direct, get("/a"), upstream);

        assertThat(response.status()).isEqualTo(503);
        assertThat(response.header("Retry-After")).isEqualTo("3");
        assertThat(Http.text(response)).isEqualTo("backend busy");
    }
}
