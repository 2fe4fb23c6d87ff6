package dev.portico.examples.guide;

import dev.portico.core.Filter;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.auth.ApiKeyAuth;
import dev.portico.core.auth.Jwks;
import dev.portico.core.auth.JwtAuth;
import dev.portico.core.auth.Principal;
import dev.portico.core.upstream.Upstream;

import java.net.URI;
import java.time.Duration;
import java.util.Set;

/** The JWKS and API key code quoted in docs/auth.md, compiled so that it cannot rot. */
public final class KeyExamples {

    private KeyExamples() {
    }

    static Gateway jwks(Upstream orders) {
        Jwks jwks = Jwks.builder(URI.create("https://id.example.com/.well-known/jwks.json"))
                .refreshInterval(Duration.ofMinutes(5))           // scheduled refresh
                .minRefreshInterval(Duration.ofSeconds(30))       // floor for refreshes an unknown kid starts
                .timeout(Duration.ofSeconds(5))
                .build();                                         // the first fetch starts now, in the background

        return Gateway.builder()
                .resource(jwks)                                   // gateway.close() stops its refresh thread
                .route(Route.get("/api/orders/**")
                        .filter(JwtAuth.builder().keys(jwks).issuer("https://id.example.com").audience("orders").build())
                        .to(orders))
                .build();
    }

    static Filter apiKeys(String mobileAppKey) {
        Principal ci = Principal.builder("ci", "api-key").scopes(Set.of("deploy")).build();

        return ApiKeyAuth.builder()
                .header("X-API-Key")                              // the default
                .query("api_key")                                 // also accepted, off by default
                .key("mobile-app", "free", Set.of("orders:read"), mobileAppKey)  // from a secret store
                .keySha256("5f2b1c1a9e0d7c3b4a6f8e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b", ci)
                .realm("orders")                                  // WWW-Authenticate: ApiKey realm="orders"
                .build();                                         // the key never reaches the upstream
    }
}
