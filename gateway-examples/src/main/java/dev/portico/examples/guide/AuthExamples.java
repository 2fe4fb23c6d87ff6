package dev.portico.examples.guide;

import dev.portico.core.Filter;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.auth.Authorize;
import dev.portico.core.auth.JwtAuth;
import dev.portico.core.auth.Principal;
import dev.portico.core.upstream.Upstream;

import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.List;

/** The code quoted in docs/auth.md, compiled so that it cannot rot; one static method per snippet. */
public final class AuthExamples {

    private AuthExamples() {
    }

    static Gateway jwt(RSAPublicKey current, RSAPublicKey next, Upstream orders) {
        JwtAuth jwt = JwtAuth.builder()
                .rs256("2024-06", current)                         // keys by kid, each with its one algorithm
                .rs256("2024-12", next)
                .issuer("https://id.example.com")
                .audience("orders-api")
                .clockSkew(Duration.ofSeconds(30))
                .claimHeader("sub", "X-User-Id")                   // client copies removed, set from sub
                .claimHeader("realm_access.roles", "X-User-Roles")  // lists joined by commas
                .build();
        return Gateway.builder()
                .route(Route.any("/api/orders/**").filter(jwt).to(orders))
                .build();
    }

    static JwtAuth jwtOptions(byte[] secret, ECPublicKey mobileKey) {
        return JwtAuth.builder()
                .hs256("internal", secret)                         // at least 32 bytes
                .es256("mobile", mobileKey)
                .audience("web", "mobile")                         // any one of them
                .requireClaim("tenant")
                .claim("email_verified", Boolean.TRUE::equals)
                .require(caller -> !caller.subject().startsWith("svc-"), "a user, not a service account")
                .planClaim("plan")
                .tokenCookie("session")                            // also read from this cookie
                .forwardAuthorization(false)                       // services get X-User-Id, not the token
                .realm("shop")
                .optional(true)                                    // no token: no principal; a bad token: 401
                .build();
    }

    static Filter whoIsCalling() {
        return (request, chain) -> {
            Principal caller = Principal.of(chain.context());   // null when the request is not authenticated
            List<String> roles = caller == null ? List.of() : caller.claimStrings("realm_access.roles");
            return chain.proceed(request.toBuilder().header("X-Caller-Kind",
                    roles.contains("staff") ? "staff" : "customer").build());
        };
    }

    static Gateway authorization(JwtAuth jwt, Upstream orders) {
        return Gateway.builder()
                .filter(jwt)                                           // every route: authenticate first
                .route(Route.get("/api/orders/**")
                        .filter(Authorize.scopes("orders:read"))
                        .to(orders))
                .route(Route.post("/api/orders")
                        .filter(Authorize.scopes("orders:read", "orders:write"))     // all of them
                        .to(orders))
                .route(Route.delete("/api/orders/{id}")
                        .filter(Authorize.anyScope("orders:admin", "support"))      // one of them
                        .filter(Authorize.roles("realm_access.roles", "admin"))
                        .filter(Authorize.require(caller -> "gold".equals(caller.plan()), "the gold plan"))
                        .to(orders))
                .build();
    }
}
