package dev.portico.core.auth;

import dev.portico.core.Filter;
import dev.portico.core.Gateway;
import dev.portico.core.Http;
import dev.portico.core.RecordingUpstreamClient;
import dev.portico.core.Request;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** A client can never choose its own identity: identity headers are removed before any filter, on every route. */
class IdentityHeadersTest {

    private static final Upstream APP = Upstream.of("app", "http://10.0.0.7:8080");

    /** Sets X-User-Id from a principal, as the JWT filter does; it declares the header it sets. */
    private static final class SetsUser implements Filter, IdentityHeaders {
        @Override
        public java.util.concurrent.CompletionStage<dev.portico.core.Response> filter(Request request,
                                                                                     dev.portico.core.Chain chain) {
            return chain.proceed(request.toBuilder().header("X-User-Id", "alice").build());
        }

        @Override
        public Set<String> identityHeaders() {
            return Set.of("X-User-Id");
        }
    }

    @Test
    void identityHeadersAFilterDeclaresAreRemovedOnEveryRouteInAnyCaseCountAndSpelling() {
        AtomicReference<String> seenByEdge = new AtomicReference<>("unset");
        Gateway gateway = Gateway.builder()
                .edgeFilter((request, chain) -> {
                    seenByEdge.set(String.valueOf(request.headers().getAll("X-User-Id")));
                    return chain.proceed(request);
                })
                .identityHeaders("X-User-Roles")
                .route(Route.get("/protected").filter(new SetsUser()).to(APP))
                .route(Route.get("/public").to(APP))
                .build();
        RecordingUpstreamClient upstream = new RecordingUpstreamClient().enqueue(200).enqueue(200);

        Http.send(gateway, Http.request("GET", "/protected").header("x-user-id", "mallory")
                .header("X-USER-ID", "root").header("x-user-roles", "admin").header("X_User_Roles", "admin")
                .header("x_user-id", "root").build(), upstream);
        Http.send(gateway, Http.request("GET", "/public").header("X-User-Id", "mallory")
                .header("X-User-Roles", "admin").header("X_USER_ROLES", "admin").build(), upstream);

        assertThat(gateway.identityHeaders()).containsExactlyInAnyOrder("X-User-Id", "X-User-Roles");
        assertThat(seenByEdge).hasValue("[]");
        Request routed = upstream.takeRequest();
        assertThat(routed.headers().getAll("X-User-Id")).containsExactly("alice");
        assertThat(routed.headers().getAll("X-User-Roles")).isEmpty();
        assertThat(routed.headers().names()).doesNotContain("X_User_Roles", "x_user-id"); // CGI reads them as the real

        Request open = upstream.takeRequest();
        assertThat(open.headers().getAll("X-User-Id")).isEqualTo(List.of());
        assertThat(open.headers().getAll("X-User-Roles")).isEmpty();
        assertThat(open.headers().names()).doesNotContain("X_USER_ROLES");
    }
}
