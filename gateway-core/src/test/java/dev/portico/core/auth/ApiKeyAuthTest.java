package dev.portico.core.auth;

import com.google.gson.JsonObject;
import dev.portico.core.Filter;
import dev.portico.core.Gateway;
import dev.portico.core.Http;
import dev.portico.core.RecordingUpstreamClient;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** API keys: a known key becomes a principal and never reaches the upstream; anything else is a 401. */
class ApiKeyAuthTest {

    private static final Upstream APP = Upstream.of("app", "http://10.0.0.7:8080");
    private static final String KEY = "k-7f3a9c1e5b2d4f60a8e1";
    private static final String OTHER_KEY = "k-0b6e2d8f4a1c3e5g7i9k";

    private final RecordingUpstreamClient upstream = new RecordingUpstreamClient();
    private final AtomicReference<Principal> seen = new AtomicReference<>();

    private Gateway gateway(ApiKeyAuth auth) {
        Filter record = (request, chain) -> {
            seen.set(Principal.of(chain.context()));
            return chain.proceed(request);
        };
        return Gateway.builder().route(Route.get("/api/**").filter(auth).filter(record).to(APP)).build();
    }

    private static ApiKeyAuth.Builder twoKeys() {
        return ApiKeyAuth.builder()
                .key("mobile-app", "free", Set.of("orders:read"), KEY)
                .key("partner", "gold", Set.of("orders:read", "orders:write"), OTHER_KEY);
    }

    @Test
    void aValidKeyInTheHeaderBecomesThePrincipalAndIsRemovedBeforeTheUpstream() {
        Gateway gateway = gateway(twoKeys().build());

        Response response = Http.send(gateway, Http.request("GET", "/api/orders?page=2")
                .header("X-API-Key", OTHER_KEY).build(), upstream);

        assertThat(response.status()).isEqualTo(200);
        Principal principal = seen.get();
        assertThat(principal.subject()).isEqualTo("partner");
        assertThat(principal.scheme()).isEqualTo("api-key");
        assertThat(principal.plan()).isEqualTo("gold");
        assertThat(principal.scopes()).containsExactlyInAnyOrder("orders:read", "orders:write");
        Request sent = upstream.takeRequest();
        assertThat(sent.headers().contains("X-API-Key")).isFalse();
        assertThat(sent.rawQuery()).isEqualTo("page=2");
    }

    @Test
    void aKeyInTheQueryIsAcceptedAndRemovedFromTheRawQuery() {
        Gateway gateway = gateway(twoKeys().query("api_key").build());

        Response response = Http.send(gateway, Http.get("/api/orders?page=2&api_key=" + KEY + "&sort=id%20desc"),
                upstream);

        assertThat(response.status()).isEqualTo(200);
        assertThat(seen.get().subject()).isEqualTo("mobile-app");
        assertThat(upstream.takeRequest().target()).isEqualTo("/api/orders?page=2&sort=id%20desc");
    }

    @Test
    void aQueryHoldingOnlyTheKeyLeavesNoQuery() {
        Gateway gateway = gateway(twoKeys().query("api_key").build());

        Http.send(gateway, Http.get("/api/orders?api%5Fkey=" + KEY), upstream);

        assertThat(upstream.takeRequest().rawQuery()).isNull();
    }

    @Test
    void aCustomHeaderIsUsedAndTheKeyIsForwardedWhenAsked() {
        Gateway gateway = gateway(twoKeys().header("Api-Token").forwardKey(true).build());

        Response response = Http.send(gateway, Http.request("GET", "/api/orders").header("api-token", KEY).build(),
                upstream);

        assertThat(response.status()).isEqualTo(200);
        assertThat(upstream.takeRequest().header("Api-Token")).isEqualTo(KEY);
    }

    @Test
    void aKeyConfiguredOnlyByItsSha256HashIsAccepted() throws Exception {
        String hash = HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(KEY.getBytes(StandardCharsets.UTF_8)));
        Principal ci = Principal.builder("ci", "api-key").scopes(Set.of("deploy")).build();
        Gateway gateway = gateway(ApiKeyAuth.builder().keySha256(hash.toUpperCase(), ci).build());

        Response response = Http.send(gateway, Http.request("GET", "/api/deploy").header("X-API-Key", KEY).build(),
                upstream);

        assertThat(response.status()).isEqualTo(200);
        assertThat(seen.get()).isSameAs(ci);
        assertThat(ApiKeyAuth.builder().keySha256(hash, ci).build().toString()).doesNotContain(KEY);
    }

    @Test
    void aMissingKeyIsA401WithTheApiKeyChallenge() {
        Gateway gateway = gateway(twoKeys().realm("orders").build());

        Response response = Http.send(gateway, Http.get("/api/orders"), upstream);

        JsonObject error = Http.assertError(response, 401, "unauthorized");
        assertThat(response.header("WWW-Authenticate")).isEqualTo("ApiKey realm=\"orders\"");
        assertThat(error.get("message").getAsString()).isEqualTo("an API key is required");
        assertThat(upstream.callCount()).isZero();
        assertThat(seen.get()).isNull();
    }

    @Test
    void anUnknownKeyIsA401ThatNeverEchoesTheKey() {
        Gateway gateway = gateway(twoKeys().query("api_key").build());
        String guess = "k-guess-123456";

        Response byHeader = Http.send(gateway, Http.request("GET", "/api/orders").header("X-API-Key", guess).build(),
                upstream);
        Response byQuery = Http.send(gateway, Http.get("/api/orders?api_key=" + guess), upstream);
        Response empty = Http.send(gateway, Http.request("GET", "/api/orders").header("X-API-Key", "").build(),
                upstream);

        for (Response response : new Response[] {byHeader, byQuery, empty}) {
            Http.assertError(response, 401, "unauthorized");
            assertThat(response.header("WWW-Authenticate")).isEqualTo("ApiKey realm=\"api\"");
            assertThat(Http.text(response)).doesNotContain(guess).doesNotContain(KEY);
        }
        assertThat(upstream.callCount()).isZero();
    }

    @Test
    void twoKeysAreA401EvenWhenBothAreValid() {
        Gateway gateway = gateway(twoKeys().query("api_key").build());

        Response twoHeaders = Http.send(gateway, Http.request("GET", "/api/orders").header("X-API-Key", KEY)
                .addHeader("x-api-key", OTHER_KEY).build(), upstream);
        Response headerAndQuery = Http.send(gateway, Http.request("GET", "/api/orders?api_key=" + KEY)
                .header("X-API-Key", KEY).build(), upstream);

        for (Response response : new Response[] {twoHeaders, headerAndQuery}) {
            JsonObject error = Http.assertError(response, 401, "unauthorized");
            assertThat(response.header("WWW-Authenticate")).isEqualTo("ApiKey realm=\"api\"");
            assertThat(error.get("message").getAsString()).isEqualTo("more than one API key was sent");
            assertThat(Http.text(response)).doesNotContain(KEY).doesNotContain(OTHER_KEY);
        }
        assertThat(upstream.callCount()).isZero();
    }

    @Test
    void buildRejectsInvalidSettingsWithoutEchoingAKey() {
        Principal jwt = Principal.builder("alice", "jwt").build();
        assertThatThrownBy(() -> ApiKeyAuth.builder().build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("keys: none (expected: at least one key)");
        assertThatThrownBy(() -> ApiKeyAuth.builder().keySha256("abc", jwt).build())
                .hasMessage("hexHash: abc (expected: 64 hex digits)");
        assertThatThrownBy(() -> ApiKeyAuth.builder().key(KEY, jwt).build())
                .hasMessage("principal.scheme: jwt (expected: api-key)");
        assertThatThrownBy(() -> ApiKeyAuth.builder().key("a", null, Set.of(), "  ").build())
                .hasMessage("key: blank (expected: a non-blank key)");
        assertThatThrownBy(() -> ApiKeyAuth.builder().key("a", null, Set.of(), KEY).key("b", null, Set.of(), KEY)
                .build())
                .hasMessage("keys: the keys of a and b are the same (expected: distinct keys)");
        assertThatThrownBy(() -> twoKeys().realm("a\"b").build())
                .hasMessage("realm: a\"b (expected: no quote, backslash or control character)");
        assertThatThrownBy(() -> twoKeys().header("X API").build())
                .hasMessage("header: X API (expected: a header name)");
    }
}
