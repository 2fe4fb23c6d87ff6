package dev.portico.examples.guide;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.WebSocket;
import dev.portico.core.auth.JwtAuth;
import dev.portico.core.ratelimit.RateLimit;
import dev.portico.core.upstream.Upstream;

import java.time.Duration;

/** The WebSocket and event-stream code quoted in docs/protocols.md, compiled so that it cannot rot. */
public final class StreamExamples {

    private StreamExamples() {
    }

    static Route webSocket(JwtAuth jwt, RateLimit limit, Upstream live) {
        return Route.get("/live/{room}")
                .webSocket(WebSocket.builder()
                        .maxFrameSize(64 * 1024)                      // one frame's payload (default 1 MiB)
                        .maxMessageSize(256 * 1024)                   // its fragments together (default 1 MiB)
                        .idleTimeout(Duration.ofMinutes(2))           // silent both ways, pings count (default 5 min)
                        .allowOrigins("https://app.example.com")      // browsers on other sites get 403
                        .build())
                .filter(jwt)                                          // on the handshake, like any request
                .filter(limit)
                .to(live)                                             // ws://, an http:// instance
                .build();
    }

    static Gateway events(JwtAuth jwt, Upstream events) {
        return Gateway.builder()
                .bodyIdleTimeout(Duration.ofSeconds(45))              // the longest silence inside a stream
                .route(Route.get("/api/events")
                        .filter(jwt)
                        .timeout(Duration.ofSeconds(2))               // until the response head only
                        .to(events))
                .build();
    }
}
