package dev.portico.core;

import dev.portico.core.filter.Filters;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Forwarding-header rules found in review: where client headers are dropped, and what filters may still set. */
class ForwardingRulesTest {

    private final RecordingUpstreamClient upstream = new RecordingUpstreamClient().enqueue(200);

    private Request forwarded(Gateway gateway, Request request) {
        Http.send(gateway, request, upstream);
        return upstream.takeRequest();
    }

    @Test
    void forwardingHeaderSetByAFilterReachesTheUpstream() {
        Gateway gateway = Gateway.builder()
                .route(Route.any("/api/**")
                        .filters(Filters.stripPrefix(1), Filters.setRequestHeader("X-Forwarded-Prefix", "/api"))
                        .to(Upstream.of("u", "http://10.0.0.1:8080")))
                .build();

        Request sent = forwarded(gateway, Http.get("/api/items"));

        assertThat(sent.header("X-Forwarded-Prefix")).isEqualTo("/api");
        assertThat(sent.rawPath()).isEqualTo("/items");
    }

    @Test
    void forwardingHeaderSentByAnUntrustedClientIsDroppedBeforeFilters() {
        Gateway gateway = Gateway.builder()
                .filter((request, chain) -> {
                    assertThat(request.header("X-Forwarded-Prefix")).isNull();
                    assertThat(request.header("X-Forwarded-For")).isNull();
                    return chain.proceed(request);
                })
                .route(Route.any("/**").to(Upstream.of("u", "http://10.0.0.1:8080")))
                .build();

        Request sent = forwarded(gateway, Http.request("GET", "/x")
                .header("X-Forwarded-Prefix", "/evil").header("X-Forwarded-For", "6.6.6.6").build());

        assertThat(sent.header("X-Forwarded-Prefix")).isNull();
        assertThat(sent.header("X-Forwarded-For")).isEqualTo(Http.CLIENT.getAddress().getHostAddress());
    }

    @Test
    void anyProxyHeaderIsHopByHopWhateverItsLength() {
        Gateway gateway = Gateway.builder().route(Route.any("/**").to(Upstream.of("u", "http://10.0.0.1:8080"))).build();

        Request sent = forwarded(gateway, Http.request("GET", "/x")
                .header("Proxy-X", "1").header("Proxy-Abcd", "1").header("Proxy-Abcdefghijk", "1").build());

        assertThat(sent.header("Proxy-X")).isNull();
        assertThat(sent.header("Proxy-Abcd")).isNull();
        assertThat(sent.header("Proxy-Abcdefghijk")).isNull();
    }

    @Test
    void trustedProxyEntriesMustBeAddressLiteralsNeverNames() {
        assertThatThrownBy(() -> Gateway.builder().trustedProxies("cafe.beef"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cafe.beef");
        assertThatThrownBy(() -> Gateway.builder().trustedProxies("10.1"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rewrittenPathsUseUpperCasePercentEncoding() {
        Gateway gateway = Gateway.builder()
                .route(Route.get("/files/{name}").filter(Filters.rewritePath("/store/{name}"))
                        .to(Upstream.of("u", "http://10.0.0.1:8080")))
                .build();

        Request sent = forwarded(gateway, Http.rawGet("/files/caf%C3%A9%20x"));

        assertThat(sent.rawPath()).isEqualTo("/store/caf%C3%A9%20x");
    }
}
