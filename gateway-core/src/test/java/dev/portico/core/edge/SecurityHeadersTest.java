package dev.portico.core.edge;

import dev.portico.core.Gateway;
import dev.portico.core.Http;
import dev.portico.core.RecordingUpstreamClient;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Security headers are added to every answer, keeping a backend's own values unless told to override them. */
class SecurityHeadersTest {

    private static final Upstream APP = Upstream.of("app", "http://10.0.0.7:8080");

    private final RecordingUpstreamClient upstream = new RecordingUpstreamClient();

    private static SecurityHeaders.Builder all() {
        return SecurityHeaders.builder().hsts(Duration.ofDays(365), true).contentTypeOptions()
                .frameOptions("DENY").referrerPolicy("no-referrer");
    }

    private Response send(SecurityHeaders headers, String path) {
        Gateway gateway = Gateway.builder().edgeFilter(headers).route(Route.get("/api").to(APP)).build();
        return Http.send(gateway, Http.get(path), upstream);
    }

    @Test
    void addsEveryChosenHeaderToBackendResponsesAndGatewayErrors() {
        Response ok = send(all().build(), "/api");
        Response missing = send(all().build(), "/nowhere");

        for (Response response : new Response[] {ok, missing}) {
            assertThat(response.header("Strict-Transport-Security")).isEqualTo("max-age=31536000; includeSubDomains");
            assertThat(response.header("X-Content-Type-Options")).isEqualTo("nosniff");
            assertThat(response.header("X-Frame-Options")).isEqualTo("DENY");
            assertThat(response.header("Referrer-Policy")).isEqualTo("no-referrer");
        }
        assertThat(missing.status()).isEqualTo(404);
    }

    @Test
    void keepsAValueTheBackendSetUnlessOverriding() {
        upstream.enqueue(Response.builder(200).header("x-frame-options", "SAMEORIGIN").build());
        upstream.enqueue(Response.builder(200).header("x-frame-options", "SAMEORIGIN").build());

        Response kept = send(all().build(), "/api");
        Response overridden = send(all().override(true).build(), "/api");

        assertThat(kept.headers().getAll("X-Frame-Options")).containsExactly("SAMEORIGIN");
        assertThat(kept.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(overridden.headers().getAll("X-Frame-Options")).containsExactly("DENY");
    }

    @Test
    void addsOnlyTheChosenHeaders() {
        Response response = send(SecurityHeaders.builder().hsts(Duration.ofSeconds(90), false).build(), "/api");

        assertThat(response.header("Strict-Transport-Security")).isEqualTo("max-age=90");
        assertThat(response.headers().contains("X-Frame-Options")).isFalse();
        assertThat(response.headers().contains("Referrer-Policy")).isFalse();
    }

    @Test
    void rejectsInvalidConfigurationAtBuild() {
        assertThatThrownBy(() -> SecurityHeaders.builder().build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("headers: none");
        assertThatThrownBy(() -> SecurityHeaders.builder().hsts(Duration.ZERO, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAge: PT0S");
        assertThatThrownBy(() -> SecurityHeaders.builder().frameOptions("ALLOW-FROM x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("frameOptions");
        assertThatThrownBy(() -> SecurityHeaders.builder().referrerPolicy("a\r\nb"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
