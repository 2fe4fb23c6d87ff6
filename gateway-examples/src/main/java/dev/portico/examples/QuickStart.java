package dev.portico.examples;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.filter.Filters;
import dev.portico.core.upstream.Upstream;
import dev.portico.undertow.PorticoServer;

import java.time.Duration;

/** The smallest useful gateway: one upstream, two routes with filters, served on port 8080. */
public final class QuickStart {

    public static void main(String[] args) {
        Upstream users = Upstream.of("users", "http://127.0.0.1:8081");

        Gateway gateway = Gateway.builder()
                .route(Route.get("/api/users/{id}")          // GET /api/users/42 -> GET /users/42
                        .filter(Filters.rewritePath("/users/{id}"))
                        .timeout(Duration.ofSeconds(2))
                        .to(users))
                .route(Route.post("/api/users")              // POST /api/users -> POST /users
                        .filter(Filters.stripPrefix(1))
                        .to(users))
                .build();

        PorticoServer server = PorticoServer.builder(gateway).host("0.0.0.0").port(8080).start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        System.out.println("Gateway listening on port " + server.port());
    }
}
