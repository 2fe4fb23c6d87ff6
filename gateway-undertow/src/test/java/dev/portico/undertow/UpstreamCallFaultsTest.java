package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import dev.portico.undertow.internal.client.UpstreamCall;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A failure injected at each step of an upstream call, as an exception nobody planned for: the exchange ends with a
 * 502 (or, once the response has started, a closed connection), the concurrency slot and the upstream connection
 * are released, and the gateway goes on serving.
 */
class UpstreamCallFaultsTest {

    private static final String BODY = "x".repeat(64 * 1024);

    private final HttpClient http = HttpClient.newHttpClient();
    private Backend backend;
    private PorticoServer gateway;

    @BeforeEach
    void start() {
        backend = Backend.start(exchange -> exchange.getRequestReceiver().receiveFullBytes(
                (ex, body) -> ex.getResponseSender().send(BODY)));
        gateway = PorticoServer.builder(Gateway.builder()
                        .maxConcurrentRequests(2)
                        .route(Route.any("/**").to(Upstream.of("app", backend.url())))
                        .build())
                .port(0).drainTimeout(Duration.ZERO).start();
    }

    @AfterEach
    void stop() {
        UpstreamCall.faults = null;
        gateway.close();
        backend.close();
    }

    @ParameterizedTest
    @EnumSource(UpstreamCall.Step.class)
    void aFailureAtAnyStepEndsTheExchangeAndReleasesEverything(UpstreamCall.Step failing) throws Exception {
        UpstreamCall.faults = step -> {
            if (step == failing) {
                throw new IllegalStateException("injected at " + step);
            }
        };
        for (int i = 0; i < 3; i++) { // more than the concurrency cap: a leaked slot would show as a 503
            try {
                HttpResponse<String> response = post();
                if (failing == UpstreamCall.Step.BODY_READ) {
                    assertThat(response.body()).as("a body cut short").isNotEqualTo(BODY);
                } else {
                    assertThat(response.statusCode()).isEqualTo(502);
                    assertThat(response.body()).startsWith("{\"error\":\"bad_gateway\"").doesNotContain("injected", "Exception");
                }
            } catch (IOException e) {
                assertThat(failing).as("only a started response ends with a closed connection").isEqualTo(UpstreamCall.Step.BODY_READ);
            }
        }
        await(() -> gateway.inFlight() == 0, "no request left in flight");
        await(() -> gateway.upstreamConnections() == 0, "every upstream connection closed");

        UpstreamCall.faults = null;
        HttpResponse<String> healthy = post();
        assertThat(healthy.statusCode()).isEqualTo(200);
        assertThat(healthy.body()).isEqualTo(BODY);
    }

    private HttpResponse<String> post() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/x"))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString("hello", StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waited for " + what).isNegative();
            Thread.sleep(10);
        }
    }
}
