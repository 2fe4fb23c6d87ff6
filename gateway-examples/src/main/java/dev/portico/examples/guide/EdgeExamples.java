package dev.portico.examples.guide;

import dev.portico.core.Filter;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.edge.Cors;
import dev.portico.core.edge.IpRules;
import dev.portico.core.edge.SecurityHeaders;
import dev.portico.core.upstream.Upstream;

import java.time.Duration;

/** The code quoted in the edge security sections of docs/auth.md, compiled so that it cannot rot. */
public final class EdgeExamples {

    private EdgeExamples() {
    }

    static Gateway cors(Upstream api, Filter auth) {
        Cors cors = Cors.builder()
                .allowOrigin("https://app.example")
                .allowOriginPattern("https://*.example.com")      // one label: a.example.com, not a.b.example.com
                .allowMethods("GET", "POST", "PUT", "DELETE")
                .allowHeaders("Authorization", "Content-Type")
                .exposeHeaders("X-Request-Id")
                .allowCredentials(true)
                .maxAge(Duration.ofMinutes(10))
                .build();
        return Gateway.builder()
                .edgeFilter(cors)                                   // first: preflights never meet auth
                .edgeFilter(auth)
                .route(Route.any("/api/**").to(api))
                .build();
    }

    static Gateway ipRules(Upstream admin) {
        return Gateway.builder()
                .trustedProxies("10.0.0.2")                         // the load balancer
                .edgeFilter(IpRules.builder()
                        .allow("10.0.0.0/8", "2001:db8::/32")
                        .deny("10.6.6.0/24")                        // deny wins
                        .build())
                .route(Route.any("/admin/**").to(admin))
                .build();
    }

    static Gateway perRouteIpRules(Upstream admin, Upstream api) {
        Filter office = IpRules.builder().allow("192.0.2.0/24").build();
        return Gateway.builder()
                .route(Route.any("/admin/**").filter(office).to(admin))
                .route(Route.any("/api/**").to(api))
                .build();
    }

    static Gateway securityHeaders(Upstream app) {
        return Gateway.builder()
                .edgeFilter(SecurityHeaders.builder()
                        .hsts(Duration.ofDays(365), true)
                        .contentTypeOptions()                       // X-Content-Type-Options: nosniff
                        .frameOptions("DENY")
                        .referrerPolicy("no-referrer")
                        .build())                                   // .override(true) replaces backend values
                .route(Route.any("/**").to(app))
                .build();
    }
}
