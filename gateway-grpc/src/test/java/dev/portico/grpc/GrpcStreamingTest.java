package dev.portico.grpc;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.undertow.PorticoServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.portico.grpc.Http.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Server streaming through a real gateway: a JSON array, NDJSON or SSE, each message flushed as it arrives. */
class GrpcStreamingTest {

    private static ShopServer shop;
    private static GrpcTranscoder transcoder;
    private static PorticoServer gateway;
    private static Http http;

    @BeforeAll
    static void start() {
        shop = new ShopServer();
        transcoder = GrpcTranscoder.builder(shop.target()).descriptorSet(Shops.DESCRIPTOR_SET).build();
        Gateway.Builder routes = Gateway.builder();
        transcoder.routes().forEach(routes::route);
        routes.route(Route.get("/sse/{shelf}").handler(transcoder.method(Shops.SHOP + "/ListItems")
                .streamFormat(StreamFormat.SSE, false).build()));
        gateway = PorticoServer.start(routes.build(), "127.0.0.1", 0);
        http = new Http(gateway.port());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        transcoder.close();
        shop.close();
    }

    @Test
    void answersAStreamAsOneJsonArrayByDefault() throws Exception {
        HttpResponse<String> response = http.get("/v1/shelves/s1/items?count=3");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(response.headers().firstValue("x-served-by")).isEmpty();
        assertThat(json(response).getAsJsonArray()).hasSize(3);
        assertThat(json(response).getAsJsonArray().get(2).getAsJsonObject().get("id").getAsString()).isEqualTo("3");
    }

    @Test
    void answersAnEmptyStreamAsAnEmptyArray() throws Exception {
        HttpResponse<String> response = http.get("/v1/shelves/s1/items?count=0");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("[]");
    }

    @Test
    void answersNdjsonWhenTheClientAcceptsIt() throws Exception {
        HttpResponse<String> response = http.get("/v1/shelves/s1/items?count=2", "Accept", "application/x-ndjson");

        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
        assertThat(response.body()).isEqualTo("{\"id\":\"1\",\"displayName\":\"item 1\",\"shelf\":\"s1\"}\n"
                + "{\"id\":\"2\",\"displayName\":\"item 2\",\"shelf\":\"s1\"}\n");
    }

    @Test
    void endsNdjsonAndSseWithTheErrorOfAStreamThatFailsMidwayCarryingTheRequestId() throws Exception {
        HttpResponse<String> ndjson = http.get("/v1/shelves/broken/items?count=1", "Accept", "application/x-ndjson",
                "X-Request-Id", "req-nd");
        HttpResponse<String> sse = http.get("/v1/shelves/broken/items?count=1", "Accept", "text/event-stream",
                "X-Request-Id", "req-sse");

        assertThat(ndjson.statusCode()).isEqualTo(200);
        assertThat(ndjson.body().split("\n")).hasSize(2);
        assertThat(ndjson.body()).endsWith("{\"error\":\"bad_gateway\",\"message\":\"the gRPC upstream failed (DATA_LOSS)\","
                + "\"requestId\":\"req-nd\"}\n");
        assertThat(sse.body()).endsWith("event: error\ndata: {\"error\":\"bad_gateway\","
                + "\"message\":\"the gRPC upstream failed (DATA_LOSS)\",\"requestId\":\"req-sse\"}\n\n");
    }

    @Test
    void cutsAJsonArrayShortWhenTheStreamFailsMidway() {
        assertThatThrownBy(() -> http.get("/v1/shelves/broken/items?count=2")).isInstanceOf(IOException.class);
    }

    @Test
    void aStreamThatFailsBeforeItsFirstMessageAnswersItsStatus() throws Exception {
        HttpResponse<String> response = http.get("/v1/shelves/broken/items?count=0");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(Http.error(response)).isEqualTo("bad_gateway");
    }

    @Test
    void cancelsTheCallWhenTheClientGoesAwayMidStream() throws Exception {
        try (Socket client = new Socket("127.0.0.1", gateway.port())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write("GET /sse/hold HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            BufferedReader reader = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
            String line;
            do {
                line = reader.readLine();
            } while (line != null && !line.startsWith("data: "));
            assertThat(line).isEqualTo("data: {\"id\":\"1\"}");
            assertThat(shop.cancelled.getCount()).isEqualTo(1);
        }
        shop.hold.countDown(); // the gateway learns that the client left when it writes the next message

        assertThat(shop.cancelled.await(10, TimeUnit.SECONDS)).as("the upstream call was cancelled").isTrue();
    }

    @Test
    void flushesEachServerSentEventAsItsMessageArrives() throws Exception {
        assertEachLineArrivesWhenSent("/sse/s1?count=3&wait=true", "text/event-stream", "s1",
                "data: {\"id\":\"1\",\"displayName\":\"item 1\",\"shelf\":\"s1\"}",
                "data: {\"id\":\"2\",\"displayName\":\"item 2\",\"shelf\":\"s1\"}",
                "data: {\"id\":\"3\",\"displayName\":\"item 3\",\"shelf\":\"s1\"}");
    }

    @Test
    void flushesEachNdjsonLineAsItsMessageArrives() throws Exception {
        assertEachLineArrivesWhenSent("/v1/shelves/s2/items?count=3&wait=true", "application/x-ndjson", "s2",
                "{\"id\":\"1\",\"displayName\":\"item 1\",\"shelf\":\"s2\"}",
                "{\"id\":\"2\",\"displayName\":\"item 2\",\"shelf\":\"s2\"}",
                "{\"id\":\"3\",\"displayName\":\"item 3\",\"shelf\":\"s2\"}");
    }

    /**
     * Reads the stream's first line while the server still holds its later messages, then releases them and reads
     * the rest: the first line arrived because it was flushed when sent, not when the stream ended.
     */
    private static void assertEachLineArrivesWhenSent(String path, String mediaType, String shelf, String first,
                                                      String... rest) throws Exception {
        ShopServer.Gate gate = shop.gate(shelf);
        HttpResponse<InputStream> response = http.client().send(
                http.request("GET", path, null, "Accept", mediaType), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue(mediaType);
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            assertThat(lines.readLine()).isEqualTo(first);
            assertThat(gate.lastSent().getCount()).as("the server has not sent its last message yet").isEqualTo(1);
            gate.release().countDown();
            assertThat(gate.lastSent().await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(lines.lines().filter(line -> !line.isEmpty()).toList()).containsExactly(rest);
        }
    }
}
