package dev.portico.core.auth;

import com.google.gson.JsonObject;
import dev.portico.core.Filter;
import dev.portico.core.Gateway;
import dev.portico.core.Http;
import dev.portico.core.RecordingUpstreamClient;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Authorize filters answer 401 without a principal and 403 when the principal lacks what the route requires. */
class AuthorizeTest {

    private static final Upstream APP = Upstream.of("app", "http://10.0.0.7:8080");

    private final RecordingUpstreamClient upstream = new RecordingUpstreamClient();

    /** Authenticates every request as this principal, as an authentication filter would. */
    private static Filter as(Principal principal) {
        return (request, chain) -> {
            chain.context().put(Principal.KEY, principal);
            return chain.proceed(request);
        };
    }

    private static Principal alice(Set<String> scopes, Map<String, ?> claims) {
        return Principal.builder("alice", "jwt").scopes(scopes).claims(claims).build();
    }

    private Response send(Filter... filters) {
        Route.Builder route = Route.get("/api/orders");
        for (Filter filter : filters) {
            route.filter(filter);
        }
        return Http.send(Gateway.builder().route(route.to(APP)).build(), Http.get("/api/orders"), upstream);
    }

    private JsonObject assertForbidden(Response response, String challenge) {
        JsonObject body = Http.assertError(response, 403, "forbidden");
        assertThat(response.header("WWW-Authenticate")).isEqualTo(challenge);
        assertThatThrownBy(upstream::takeCall).as("a call upstream").isInstanceOf(AssertionError.class);
        return body;
    }

    @Test
    void scopesRequiresEveryScope() {
        Principal reader = alice(Set.of("orders:read"), Map.of());
        Principal writer = alice(Set.of("orders:read", "orders:write"), Map.of());

        assertThat(send(as(writer), Authorize.scopes("orders:read", "orders:write")).status()).isEqualTo(200);
        upstream.takeRequest();
        JsonObject body = assertForbidden(send(as(reader), Authorize.scopes("orders:read", "orders:write")),
                "Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"orders:read orders:write\"");
        assertThat(body.get("message").getAsString()).contains("orders:write");
    }

    @Test
    void anyScopeRequiresOneScope() {
        Principal reader = alice(Set.of("orders:read"), Map.of());

        assertThat(send(as(reader), Authorize.anyScope("orders:admin", "orders:read")).status()).isEqualTo(200);
        upstream.takeRequest();
        assertForbidden(send(as(reader), Authorize.anyScope("orders:admin", "orders:write")),
                "Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"orders:admin orders:write\"");
    }

    @Test
    void rolesReadsAClaimPath() {
        Principal admin = alice(Set.of(), Map.of("realm_access", Map.of("roles", List.of("admin", "user"))));
        Principal user = alice(Set.of(), Map.of("realm_access", Map.of("roles", List.of("user"))));

        assertThat(send(as(admin), Authorize.roles("realm_access.roles", "admin", "user")).status()).isEqualTo(200);
        assertThat(send(as(user), Authorize.anyRole("realm_access.roles", "admin", "user")).status()).isEqualTo(200);
        upstream.takeRequest();
        upstream.takeRequest();
        assertForbidden(send(as(user), Authorize.roles("realm_access.roles", "admin")),
                "Bearer realm=\"api\", error=\"insufficient_scope\", error_description=\"this requires the roles admin\"");
        assertForbidden(send(as(alice(Set.of(), Map.of())), Authorize.anyRole("realm_access.roles", "admin")),
                "Bearer realm=\"api\", error=\"insufficient_scope\", "
                        + "error_description=\"this requires one of the roles admin\"");
    }

    @Test
    void requireTestsThePrincipal() {
        Principal gold = Principal.builder("alice", "jwt").plan("gold").build();
        Principal free = Principal.builder("bob", "jwt").plan("free").build();
        Filter goldOnly = Authorize.require(p -> "gold".equals(p.plan()), "the gold plan");

        assertThat(send(as(gold), goldOnly).status()).isEqualTo(200);
        upstream.takeRequest();
        assertForbidden(send(as(free), goldOnly),
                "Bearer realm=\"api\", error=\"insufficient_scope\", error_description=\"this requires the gold plan\"");
        assertForbidden(send(as(free), Authorize.require(p -> {
            throw new IllegalStateException("boom");
        }, "a working check")), "Bearer realm=\"api\", error=\"insufficient_scope\", "
                + "error_description=\"this requires a working check\"");
    }

    @Test
    void requirementsComposeInOrder() {
        Principal reader = alice(Set.of("orders:read"), Map.of("roles", List.of("user")));

        assertThat(send(as(reader), Authorize.scopes("orders:read"), Authorize.roles("roles", "user")).status())
                .isEqualTo(200);
        upstream.takeRequest();
        assertForbidden(send(as(reader), Authorize.scopes("orders:read"), Authorize.roles("roles", "admin")),
                "Bearer realm=\"api\", error=\"insufficient_scope\", error_description=\"this requires the roles admin\"");
    }

    @Test
    void noPrincipalGets401WithTheJwtFiltersRealm() {
        Response anonymous = send(Authorize.scopes("orders:read"));
        Response optional = send(JwtAuth.builder().hs256(new byte[32]).realm("shop").optional(true).build(),
                Authorize.scopes("orders:read"));

        Http.assertError(anonymous, 401, "unauthorized");
        assertThat(anonymous.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"api\"");
        Http.assertError(optional, 401, "unauthorized");
        assertThat(optional.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"shop\"");
        assertThat(upstream.callCount()).isZero();
    }

    @Test
    void refusesNamesThatCannotBeQuotedInAChallenge() {
        assertThatThrownBy(Authorize::scopes).hasMessageContaining("scopes: [] (expected:");
        assertThatThrownBy(() -> Authorize.scopes("orders read")).hasMessageContaining("scopes: orders read");
        assertThatThrownBy(() -> Authorize.anyScope("a\"b")).hasMessageContaining("anyScope: a\"b");
        assertThatThrownBy(() -> Authorize.roles("roles", "x\\y")).hasMessageContaining("roles: x\\y");
        assertThatThrownBy(() -> Authorize.require(p -> true, "")).hasMessageContaining("description:");
    }
}
