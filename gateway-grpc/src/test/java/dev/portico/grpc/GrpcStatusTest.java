package dev.portico.grpc;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.observe.RequestIds;
import dev.portico.undertow.PorticoServer;
import io.grpc.Status;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;

import static dev.portico.grpc.Http.error;
import static dev.portico.grpc.Http.json;
import static org.assertj.core.api.Assertions.assertThat;

/** gRPC statuses as HTTP statuses and the gateway's JSON errors, and the route's timeout as the call's deadline. */
class GrpcStatusTest {

    private static ShopServer shop;
    private static GrpcTranscoder transcoder;
    private static PorticoServer gateway;
    private static Http http;

    @BeforeAll
    static void start() {
        shop = new ShopServer();
        transcoder = GrpcTranscoder.builder(shop.target()).descriptorSet(Shops.DESCRIPTOR_SET).build();
        gateway = PorticoServer.start(Gateway.builder()
                .route(Route.post("/fail").handler(transcoder.method(Shops.SHOP + "/Fail").body("*").build()))
                .route(Route.post("/slow").timeout(Duration.ofMillis(300))
                        .handler(transcoder.method(Shops.SHOP + "/Echo").body("*").build()))
                .route(Route.get("/shelves/{shelf}").handler(transcoder.method(Shops.SHOP + "/GetShelf").build()))
                .route(Route.post("/echo").timeout(Duration.ofSeconds(5))
                        .handler(transcoder.method(Shops.SHOP + "/Echo").body("*").build()))
                .build(), "127.0.0.1", 0);
        http = new Http(gateway.port());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        transcoder.close();
        shop.close();
    }

    @Test
    void aReplyOverTheChannelsLimitIsABadGatewayNotTheServicesRateLimit() throws Exception {
        HttpResponse<String> response = http.get("/shelves/huge");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(error(response)).isEqualTo("bad_gateway");
        assertThat(json(response).getAsJsonObject().get("message").getAsString())
                .isEqualTo("a gRPC message was larger than the gateway or the upstream accepts");
        assertThat(http.get("/shelves/s1").statusCode()).isEqualTo(200);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "INVALID_ARGUMENT, 400, bad_request",
        "FAILED_PRECONDITION, 400, bad_request",
        "OUT_OF_RANGE, 400, bad_request",
        "UNAUTHENTICATED, 401, unauthorized",
        "PERMISSION_DENIED, 403, forbidden",
        "NOT_FOUND, 404, not_found",
        "ALREADY_EXISTS, 409, conflict",
        "ABORTED, 409, conflict",
        "RESOURCE_EXHAUSTED, 429, too_many_requests",
        "CANCELLED, 502, bad_gateway",
        "UNKNOWN, 502, bad_gateway",
        "INTERNAL, 502, bad_gateway",
        "DATA_LOSS, 502, bad_gateway",
        "UNIMPLEMENTED, 501, not_implemented",
        "UNAVAILABLE, 503, service_unavailable",
        "DEADLINE_EXCEEDED, 504, gateway_timeout",
    })
    void mapsEveryGrpcStatusToItsHttpStatusAndJsonError(Status.Code code, int status, String error) throws Exception {
        HttpResponse<String> response = http.post("/fail", "{\"code\":\"" + code + "\",\"message\":\"told by the service\"}");

        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(error(response)).isEqualTo(error);
        String message = json(response).getAsJsonObject().get("message").getAsString();
        if (status < 500 || status == 501) {
            assertThat(message).isEqualTo("told by the service");
        } else {
            assertThat(message).startsWith("the gRPC upstream").doesNotContain("told by the service");
        }
    }

    @Test
    void theJsonErrorIsTheOneTheGatewayWritesWithTheRequestIdWhetherTheServiceAnsweredOrTheCallFailed() throws Exception {
        HttpResponse<String> answered = http.post("/fail", "{\"code\":\"PERMISSION_DENIED\",\"message\":\"not \\\"yours\\\"\"}",
                "X-Request-Id", "req-403");
        HttpResponse<String> failed = http.post("/fail", "{\"code\":\"INTERNAL\",\"message\":\"stack trace\"}",
                "X-Request-Id", "req-502");

        assertThat(answered.statusCode()).isEqualTo(403);
        assertThat(answered.body())
                .isEqualTo("{\"error\":\"forbidden\",\"message\":\"not \\\"yours\\\"\",\"requestId\":\"req-403\"}");
        assertThat(answered.headers().firstValue("X-Request-Id")).hasValue("req-403");
        assertThat(failed.statusCode()).isEqualTo(502);
        assertThat(failed.body()).isEqualTo(
                "{\"error\":\"bad_gateway\",\"message\":\"the gRPC upstream failed (INTERNAL)\",\"requestId\":\"req-502\"}");
    }

    @Test
    void withoutRequestIdsTheJsonErrorHasNone() throws Exception {
        try (PorticoServer plain = PorticoServer.start(Gateway.builder().requestIds(RequestIds.disabled())
                .route(Route.post("/fail").handler(transcoder.method(Shops.SHOP + "/Fail").body("*").build()))
                .build(), "127.0.0.1", 0)) {
            HttpResponse<String> response = new Http(plain.port()).post("/fail",
                    "{\"code\":\"NOT_FOUND\",\"message\":\"gone\"}", "X-Request-Id", "req-1");

            assertThat(response.statusCode()).isEqualTo(404);
            assertThat(response.body()).isEqualTo("{\"error\":\"not_found\",\"message\":\"gone\"}");
        }
    }

    @Test
    void aServiceSlowerThanTheRouteTimeoutGets504WithinAboutTheTimeout() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> response = http.post("/slow", "{\"text\":\"late\",\"delayMs\":3000}");
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(error(response)).isEqualTo("gateway_timeout");
        assertThat(elapsed).isGreaterThanOrEqualTo(Duration.ofMillis(250)).isLessThan(Duration.ofMillis(2500));
    }

    @Test
    void theRoutesTimeoutIsTheCallsDeadline() throws Exception {
        HttpResponse<String> response = http.post("/echo", "{\"text\":\"x\"}");

        long deadline = json(response).getAsJsonObject().get("deadlineMs").getAsLong();
        assertThat(deadline).isBetween(1000L, 5000L);
    }

    @Test
    void anUpstreamThatCannotBeReachedGets503() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (GrpcTranscoder nowhere = GrpcTranscoder.builder("dns:///127.0.0.1:" + closedPort)
                .descriptorSet(Shops.DESCRIPTOR_SET).build();
             PorticoServer server = PorticoServer.start(Gateway.builder()
                     .route(Route.get("/echo/{text}").handler(nowhere.method(Shops.SHOP + "/Echo").build())).build(),
                     "127.0.0.1", 0)) {
            HttpResponse<String> response = new Http(server.port()).get("/echo/x");

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(error(response)).isEqualTo("service_unavailable");
            assertThat(response.body()).doesNotContain("127.0.0.1").doesNotContain(String.valueOf(closedPort));
        }
    }
}
