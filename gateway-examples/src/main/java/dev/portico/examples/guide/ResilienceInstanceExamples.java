package dev.portico.examples.guide;

import dev.portico.core.upstream.DnsDiscovery;
import dev.portico.core.upstream.Endpoint;
import dev.portico.core.upstream.HashKey;
import dev.portico.core.upstream.HealthCheck;
import dev.portico.core.upstream.LoadBalancer;
import dev.portico.core.upstream.OutlierDetection;
import dev.portico.core.upstream.Upstream;

import java.time.Duration;

/** The load balancing, discovery and health code quoted in docs/resilience.md, compiled so that it cannot rot. */
public final class ResilienceInstanceExamples {

    private ResilienceInstanceExamples() {
    }

    static Upstream roundRobin() {
        return Upstream.of("users", "http://10.0.0.7:8080", "http://10.0.0.8:8080");   // round robin by default
    }

    static Upstream weighted() {
        return Upstream.builder("users")
                .instance("http://10.0.0.7:8080", 3)               // three calls in five
                .instance("http://10.0.0.8:8080", 2)               // two in five, interleaved: a b a b a
                .loadBalancer(LoadBalancer.weightedRoundRobin())
                .build();
    }

    static Upstream leastRequest() {
        return Upstream.builder("search")
                .instance("http://10.0.0.7:8080")
                .instance("http://10.0.0.8:8080")
                .instance("http://10.0.0.9:8080")
                .loadBalancer(LoadBalancer.leastRequest())          // the idler of two picked at random
                .build();
    }

    static Upstream sticky() {
        return Upstream.builder("carts")
                .instance("http://10.0.0.7:8080")
                .instance("http://10.0.0.8:8080")
                .loadBalancer(LoadBalancer.consistentHash(HashKey.cookie("session")))
                .build();                                           // or HashKey.header("X-Tenant"), clientAddress()
    }

    static Upstream custom() {
        LoadBalancer sameZone = (endpoints, request, context) -> {
            for (Endpoint endpoint : endpoints) {                  // the available instances, never empty
                if (endpoint.host().startsWith("10.1.")) {
                    return endpoint;                               // this zone's instance while it is available
                }
            }
            return endpoints.get(0);
        };
        return Upstream.builder("users")
                .instance("http://10.1.0.7:8080")
                .instance("http://10.2.0.7:8080")
                .loadBalancer(sameZone)
                .build();
    }

    static Upstream dns() {
        return Upstream.builder("users")
                .discovery(DnsDiscovery.builder("http://users.internal:8080")
                        .interval(Duration.ofSeconds(10)) // keep networkaddress.cache.ttl below it
                        .build())
                .build();
    }

    static Upstream passiveHealth() {
        return Upstream.builder("users")
                .instance("http://10.0.0.7:8080")
                .instance("http://10.0.0.8:8080")
                .instance("http://10.0.0.9:8080")
                .outlierDetection(OutlierDetection.builder()
                        .consecutiveFailures(5)                     // refused, reset, timed out, malformed, 5xx
                        .failureStatuses(502, 503, 504)             // ... or only these statuses
                        .baseEjectionTime(Duration.ofSeconds(30))   // 30 s, then 60 s, 90 s ...
                        .maxEjectionTime(Duration.ofMinutes(5))
                        .maxEjectedShare(0.34)                      // one of three at most
                        .build())
                .build();
    }

    static Upstream activeHealth() {
        return Upstream.builder("users")
                .instance("http://10.0.0.7:8080")
                .instance("http://10.0.0.8:8080")
                .healthCheck(HealthCheck.builder("/health")
                        .interval(Duration.ofSeconds(5))
                        .timeout(Duration.ofSeconds(1))
                        .unhealthyThreshold(3)                      // out after three failed checks in a row
                        .healthyThreshold(2)                        // back after two passed ones
                        .expectedStatuses(200, 204)
                        .build())
                .build();
    }
}
