package dev.portico.examples.mobile;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static dev.portico.examples.mobile.Http.error;
import static org.assertj.core.api.Assertions.assertThat;

class DemoServerTest {

    private static final DemoConfig HEALTHY = new DemoConfig(0, Duration.ZERO, Duration.ofSeconds(2), null);

    @Test
    void answers500JsonToEverythingWhenConfiguredToFail() throws Exception {
        DemoConfig failing = new DemoConfig(0, Duration.ZERO, Duration.ofSeconds(2), "user");
        try (DemoServer server = DemoServer.start("user", call -> Reply.ok("never"), failing)) {
            Http http = new Http(URI.create(server.url()).getPort());

            for (HttpResponse<String> response : List.of(
                    http.get("/users/alice"), http.post("/anything", "{}"), http.send("DELETE", "/", null))) {
                assertThat(response.statusCode()).isEqualTo(500);
                assertThat(error(response)).isEqualTo("internal_error");
            }
        }
    }

    @Test
    void rejectsARepeatedXUserIdWith400() throws Exception {
        try (DemoServer server = DemoServer.start("order", call -> Reply.ok(call.userId()), HEALTHY)) {
            Http http = new Http(URI.create(server.url()).getPort());

            assertThat(http.get("/orders", "X-User-Id", "bob").body()).isEqualTo("\"bob\"");
            assertThat(http.get("/orders", "X-User-Id", "bob", "X-User-Id", "alice").statusCode()).isEqualTo(400);
        }
    }
}
