package dev.portico.examples.guide;

import dev.portico.core.Filter;
import dev.portico.core.Gateway;
import dev.portico.core.Handler;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.resilience.CircuitBreaker;
import dev.portico.core.resilience.RetryBudget;
import dev.portico.core.resilience.RetryPolicy;
import dev.portico.core.resilience.UpstreamErrors;
import dev.portico.core.upstream.SendOptions;
import dev.portico.core.upstream.Upstream;
import dev.portico.undertow.PorticoServer;

import java.time.Duration;

/** The code of docs/resilience.md's calls and operations sections, compiled so that it cannot rot. */
public final class ResilienceCallExamples {

    private ResilienceCallExamples() {
    }

    static Gateway retries() {
        Upstream users = Upstream.builder("users")
                .instance("http://10.0.0.7:8080")
                .instance("http://10.0.0.8:8080")
                .retryBudget(RetryBudget.of(0.2, 3))                   // the default: 20% of active requests, min 3
                .build();
        RetryPolicy retries = RetryPolicy.builder()
                .maxAttempts(3)                                        // the first attempt and two retries
                .backoff(Duration.ofMillis(25), Duration.ofMillis(250))
                .perTryTimeout(Duration.ofMillis(800))                 // a hung instance leaves time for another
                .build();
        return Gateway.builder()
                .route(Route.get("/api/users/**")
                        .timeout(Duration.ofSeconds(2))                // bounds all attempts and backoffs together
                        .retries(retries)
                        .to(users))
                .build();
    }

    static Gateway retriedPosts(Upstream orders) {
        Filter buffer = (request, chain) -> request.body().buffer(64 * 1024)   // a replayable body
                .thenCompose(body -> chain.proceed(request.toBuilder().body(body).build()));
        return Gateway.builder()
                .route(Route.post("/api/orders")
                        .filter(buffer)
                        .retries(RetryPolicy.builder().nonIdempotent(true).statuses(503).build())
                        .to(orders))
                .build();
    }

    static Handler partWithoutRetries(Upstream prices) {
        return (request, context) -> context.send(prices, request,
                SendOptions.builder().retries(RetryPolicy.none()).build());  // overrides the route's retries
    }

    static Upstream circuitBreaking() {
        CircuitBreaker breaker = CircuitBreaker.builder()
                .failureRate(0.5)                                      // half of
                .window(20, 10)                                        // the last 20 calls, once 10 are recorded
                .slowCalls(Duration.ofSeconds(2), 0.8)                 // or 80% of them slower than 2 s
                .openFor(Duration.ofSeconds(10))
                .halfOpenCalls(3)
                .fallback(Response.json(200, "{\"recommendations\":[]}"))   // instead of 503
                .listener((from, to) -> System.getLogger("breaker").log(System.Logger.Level.WARNING,
                        "recommendations: " + from + " -> " + to))
                .build();
        return Upstream.builder("recommendations")
                .instance("http://10.0.0.11:8080")
                .circuitBreaker(breaker)
                .build();
    }

    static Gateway loadShedding() {
        Upstream reports = Upstream.builder("reports")
                .instance("http://10.0.0.12:8080")
                .maxConcurrentRequests(50)                             // the 51st waiting call gets 503 at once
                .build();
        return Gateway.builder()
                .maxConcurrentRequests(5_000)                          // and the whole gateway
                .route(Route.get("/reports/**").to(reports))
                .build();
    }

    static Gateway upstreamErrors(Upstream users) {
        return Gateway.builder()
                .route(Route.get("/api/users/**")
                        .retries(RetryPolicy.defaults())               // retries come first
                        .upstreamErrors(UpstreamErrors.REPLACE)        // then a 5xx becomes the gateway's 502
                        .to(users))
                .build();
    }

    static PorticoServer gracefulShutdown(Gateway gateway) {
        PorticoServer server = PorticoServer.builder(gateway).port(8080)
                .shutdownDelay(Duration.ofSeconds(5)).drainTimeout(Duration.ofSeconds(30)).start();
        return server;
    }
}
