package dev.portico.core.edge;

import dev.portico.core.Gateway;
import dev.portico.core.Http;
import dev.portico.core.RecordingUpstreamClient;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** IP rules decide on the client resolved through trusted proxies only; deny wins over allow. */
class IpRulesTest {

    private static final Upstream APP = Upstream.of("app", "http://10.0.0.7:8080");
    private static final InetSocketAddress PROXY = Http.address("192.0.2.10", 40000);

    private final RecordingUpstreamClient upstream = new RecordingUpstreamClient();

    private static IpRules rules() {
        return IpRules.builder().allow("10.0.0.0/8", "2001:db8::/32").deny("10.6.6.0/24").build();
    }

    private static Gateway gateway(Gateway.Builder builder) {
        return builder.edgeFilter(rules()).route(Route.get("/api").to(APP)).build();
    }

    private int status(Gateway gateway, Request request, InetSocketAddress peer) {
        return Http.send(gateway, request, peer, upstream).status();
    }

    @Test
    void letsAllowedClientsPassAndRefusesOthersWith403() {
        Gateway gateway = gateway(Gateway.builder());

        assertThat(status(gateway, Http.get("/api"), Http.address("10.1.2.3", 5000))).isEqualTo(200);
        assertThat(status(gateway, Http.get("/api"), Http.address("2001:db8::1", 5000))).isEqualTo(200);
        Response outside = Http.send(gateway, Http.get("/api"), Http.address("11.0.0.1", 5000), upstream);
        Http.assertError(outside, 403, "forbidden");
        Http.assertError(Http.send(gateway, Http.get("/api"), Http.address("2001:db9::1", 5000), upstream),
                403, "forbidden");
        assertThat(upstream.callCount()).isEqualTo(2);
    }

    @Test
    void denyWinsOverAllow() {
        Gateway gateway = gateway(Gateway.builder());

        Http.assertError(Http.send(gateway, Http.get("/api"), Http.address("10.6.6.9", 5000), upstream),
                403, "forbidden");
        assertThat(status(gateway, Http.get("/api"), Http.address("10.6.7.9", 5000))).isEqualTo(200);
    }

    @Test
    void withOnlyDenyEntriesEveryOtherClientPasses() {
        IpRules rules = IpRules.builder().deny("203.0.113.0/24", "::1").build();

        assertThat(rules.permits(Http.address("198.51.100.1", 1))).isTrue();
        assertThat(rules.permits(Http.address("203.0.113.200", 1))).isFalse();
        assertThat(rules.permits(Http.address("::1", 1))).isFalse();
        assertThat(rules.permits(Http.address("::2", 1))).isTrue();
    }

    @Test
    void matchesPrefixesThatEndInsideAByteAndNeverAcrossFamilies() {
        IpRules rules = IpRules.builder().allow("172.16.0.0/12", "fd00::/7").deny("172.16.5.4").build();
        IpRules everyone = IpRules.builder().allow("0.0.0.0/0").build();

        assertThat(rules.permits(Http.address("172.31.255.255", 1))).isTrue();
        assertThat(rules.permits(Http.address("172.32.0.1", 1))).isFalse();
        assertThat(rules.permits(Http.address("172.16.5.4", 1))).isFalse();
        assertThat(rules.permits(Http.address("fdff::1", 1))).isTrue();
        assertThat(rules.permits(Http.address("fe00::1", 1))).isFalse();
        assertThat(rules.permits(Http.address("::ffff:172.16.0.1", 1))).isTrue();
        assertThat(everyone.permits(Http.address("198.51.100.1", 1))).isTrue();
        assertThat(everyone.permits(Http.address("2001:db8::1", 1))).isFalse();
    }

    @Test
    void decidesOnTheClientNamedByATrustedProxy() {
        Gateway gateway = gateway(Gateway.builder().trustedProxies("192.0.2.0/24"));

        assertThat(status(gateway, Http.request("GET", "/api").header("X-Forwarded-For", "10.1.2.3").build(), PROXY))
                .isEqualTo(200);
        assertThat(status(gateway, Http.request("GET", "/api").header("X-Forwarded-For", "10.6.6.6").build(), PROXY))
                .isEqualTo(403);
        assertThat(status(gateway, Http.request("GET", "/api")
                .header("X-Forwarded-For", "10.1.2.3, 11.0.0.1").build(), PROXY)).isEqualTo(403);
    }

    @Test
    void ignoresXForwardedForFromAnUntrustedPeer() {
        Gateway gateway = gateway(Gateway.builder());
        Request spoofed = Http.request("GET", "/api").header("X-Forwarded-For", "10.1.2.3").build();
        Request spoofedDeny = Http.request("GET", "/api").header("X-Forwarded-For", "10.6.6.6").build();

        assertThat(status(gateway, spoofed, Http.address("11.0.0.1", 5000))).isEqualTo(403);
        assertThat(status(gateway, spoofedDeny, Http.address("10.1.2.3", 5000))).isEqualTo(200);
    }

    @Test
    void rejectsInvalidEntriesAtBuild() {
        assertThatThrownBy(() -> IpRules.builder().build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rules: none");
        assertThatThrownBy(() -> IpRules.builder().allow("office.internal").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("allow: office.internal");
        assertThatThrownBy(() -> IpRules.builder().deny("10.0.0.0/33").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("deny: 10.0.0.0/33")
                .hasMessageContaining("prefix 0-32");
        assertThatThrownBy(() -> IpRules.builder().allow("2001:db8::/129").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prefix 0-128");
        assertThatThrownBy(() -> IpRules.builder().allow((String) null)).isInstanceOf(NullPointerException.class);
    }
}
