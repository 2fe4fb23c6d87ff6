package dev.portico.examples.guide;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.observe.AccessLog;
import dev.portico.core.observe.Admin;
import dev.portico.core.observe.RequestIds;
import dev.portico.core.observe.Telemetry;
import dev.portico.core.upstream.Upstream;
import dev.portico.undertow.PorticoServer;
import io.opentelemetry.api.OpenTelemetry;

import java.nio.file.Path;
import java.time.Duration;

/** The code quoted in docs/observability.md (request ids, access log, health and admin), compiled so it cannot rot. */
public final class ObservabilityOpsExamples {

    private ObservabilityOpsExamples() {
    }

    static Gateway requestIds(Upstream users) {
        return Gateway.builder()
                .requestIds(RequestIds.header("X-Correlation-Id"))  // default: X-Request-Id; RequestIds.disabled() for none
                .route(Route.get("/api/users/{id}").to(users))
                .build();
    }

    static Gateway accessLog(Upstream users, OpenTelemetry openTelemetry) {
        return Gateway.builder()
                .telemetry(Telemetry.of(openTelemetry))              // optional: the line's traceId is the span's
                .accessLog(AccessLog.builder()
                        .loggerName("dev.portico.access")             // the default
                        .queueCapacity(8192)                          // the default; a full queue drops and counts
                        .build())
                .route(Route.get("/api/users/{id}").id("users").to(users))
                .build();
    }

    static AccessLog accessLogFile() {
        return AccessLog.builder()
                .file(Path.of("/var/log/portico/access.log"))         // instead of the logger: buffered, appended
                .build();
    }

    static PorticoServer adminListener(Gateway gateway, Upstream users) {
        Admin admin = Admin.builder()
                .requiredUpstream(users)                              // readiness 503 while users has no healthy instance
                .build();
        return PorticoServer.builder(gateway)
                .host("0.0.0.0").port(8080)
                .admin(admin, 9090)                                   // /health, /ready, /admin/* on 9090 only
                .adminHost("127.0.0.1")                               // keep the admin port off the network
                .shutdownDelay(Duration.ofSeconds(5))                 // readiness is 503 from the start of a stop
                .start();
    }

    static PorticoServer adminOnThePublicPort(Upstream users) {
        Admin admin = Admin.builder().requiredUpstream(users).build();
        Gateway.Builder gateway = Gateway.builder().route(Route.get("/api/users/{id}").to(users));
        admin.routes().forEach(gateway::route);                      // /health, /ready, /admin/routes, /admin/upstreams
        return PorticoServer.builder(gateway.build()).port(8080)
                .admin(admin)                                         // binds readiness to this server's stop
                .start();
    }
}
