package dev.portico.core.auth;

import dev.portico.core.Chain;
import dev.portico.core.Filter;
import dev.portico.core.GatewayException;
import dev.portico.core.Headers;
import dev.portico.core.Request;
import dev.portico.core.Response;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

/**
 * Route-level requirements on the authenticated {@link Principal}, as filters placed after an authentication filter:
 * a request without a principal gets 401, a principal that lacks what is required gets 403.
 *
 * <pre>{@code
 * Route.get("/api/orders/**").filter(jwt).filter(Authorize.scopes("orders:read")).to(orders)
 * }</pre>
 */
public final class Authorize {

    private Authorize() {
    }

    /** Requires every one of these scopes. */
    public static Filter scopes(String... scopes) {
        List<String> required = scopeList("scopes", scopes);
        return new Requirement(principal -> principal.scopes().containsAll(required),
                "this requires the scopes " + String.join(" ", required), String.join(" ", required));
    }

    /** Requires at least one of these scopes. */
    public static Filter anyScope(String... scopes) {
        List<String> wanted = scopeList("anyScope", scopes);
        return new Requirement(principal -> wanted.stream().anyMatch(principal.scopes()::contains),
                "this requires one of the scopes " + String.join(" ", wanted), String.join(" ", wanted));
    }

    /** Requires every one of these roles in the claim at this dotted path, such as {@code realm_access.roles}. */
    public static Filter roles(String claimPath, String... roles) {
        Objects.requireNonNull(claimPath, "claimPath");
        List<String> required = nonEmpty("roles", roles);
        return new Requirement(principal -> principal.claimStrings(claimPath).containsAll(required),
                "this requires the roles " + String.join(", ", required), null);
    }

    /** Requires at least one of these roles in the claim at this dotted path. */
    public static Filter anyRole(String claimPath, String... roles) {
        Objects.requireNonNull(claimPath, "claimPath");
        List<String> wanted = nonEmpty("anyRole", roles);
        return new Requirement(principal -> principal.claimStrings(claimPath).stream().anyMatch(wanted::contains),
                "this requires one of the roles " + String.join(", ", wanted), null);
    }

    /** Requires that the principal passes this test; the description says what is required, in the 403. */
    public static Filter require(Predicate<Principal> test, String description) {
        Objects.requireNonNull(test, "test");
        Objects.requireNonNull(description, "description");
        quotable("description", description);
        return new Requirement(test, "this requires " + description, null);
    }

    private static List<String> nonEmpty(String name, String[] values) {
        List<String> list = List.of(values);   // throws on null elements
        if (list.isEmpty() || list.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException(name + ": " + list + " (expected: one or more non-empty names)");
        }
        list.forEach(value -> quotable(name, value));
        return list;
    }

    /** Refuses text that cannot go inside a quoted {@code WWW-Authenticate} parameter as is. */
    private static void quotable(String name, String value) {
        if (value.isEmpty() || !value.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '"' && c != '\\')) {
            throw new IllegalArgumentException(name + ": " + value
                    + " (expected: printable ASCII without quotes or backslashes)");
        }
    }

    private static List<String> scopeList(String name, String[] scopes) {
        List<String> list = nonEmpty(name, scopes);
        for (String scope : list) {
            // RFC 6749 scope-token: %x21 / %x23-5B / %x5D-7E
            if (!scope.chars().allMatch(c -> c == 0x21 || c >= 0x23 && c <= 0x5b || c >= 0x5d && c <= 0x7e)) {
                throw new IllegalArgumentException(name + ": " + scope
                        + " (expected: a scope of printable ASCII without spaces, quotes or backslashes)");
            }
        }
        return list;
    }

    /** One requirement: 401 without a principal, 403 when the principal fails the test. */
    private static final class Requirement implements Filter {

        private final Predicate<Principal> test;
        private final String message;
        private final String scope;

        Requirement(Predicate<Principal> test, String message, String scope) {
            this.test = test;
            this.message = message;
            this.scope = scope;
        }

        @Override
        public CompletionStage<Response> filter(Request request, Chain chain) {
            String realm = chain.context().get(JwtAuth.REALM);
            realm = realm != null ? realm : "api";
            Principal principal = Principal.of(chain.context());
            if (principal == null) {
                return CompletableFuture.failedFuture(GatewayException.unauthorized("Bearer realm=\"" + realm + '"',
                        "authentication is required"));
            }
            boolean allowed;
            try {
                allowed = test.test(principal);
            } catch (RuntimeException e) {
                allowed = false;
            }
            if (allowed) {
                return chain.proceed(request);
            }
            String challenge = "Bearer realm=\"" + realm + "\", error=\"insufficient_scope\""
                    + (scope != null ? ", scope=\"" + scope + '"' : ", error_description=\"" + message + '"');
            return CompletableFuture.failedFuture(new GatewayException(403, "forbidden", message,
                    Headers.of("WWW-Authenticate", challenge)));
        }

        @Override
        public String toString() {
            return "Authorize{" + message + '}';
        }
    }
}
