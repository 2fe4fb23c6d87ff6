package dev.portico.undertow;

import com.google.gson.JsonPrimitive;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.transform.JsonTransform;
import dev.portico.core.transform.StatusMapping;
import dev.portico.core.upstream.Upstream;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * JSON body transformation and status mapping through a real gateway and backend: nested fields and arrays, both
 * directions, the framing after each change, the bounds, invalid JSON, and routes that keep streaming.
 */
class TransformSocketTest {

    private static final String ORDER = "{\"id\":\"o1\",\"customer\":{\"name\":\"Ann\",\"secret\":\"s3\"},"
            + "\"items\":[{\"sku\":\"a\",\"price\":1999},{\"sku\":\"b\",\"price\":500}]}";
    private static final String ORDER_SHAPED = "{\"id\":\"o1\",\"customer\":{\"name\":\"Ann\"},"
            + "\"items\":[{\"productId\":\"a\",\"price\":19.99},{\"productId\":\"b\",\"price\":5.0}],\"meta\":{\"version\":1}}";

    /** What the backend received: the method, path, framing headers, {@code Accept-Encoding} and body of each request. */
    private record Received(String target, String contentLength, String transferEncoding, String acceptEncoding, String body) {
    }

    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final CountDownLatch firstBytesSeen = new CountDownLatch(1);
    private final BlockingQueue<Boolean> lastSentAfterFirstSeen = new LinkedBlockingQueue<>();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Backend backend;
    private PorticoServer gateway;

    @BeforeEach
    void start() {
        backend = Backend.startBlocking(this::serve);
        Upstream app = Upstream.of("app", backend.url());
        JsonTransform shapeOrder = JsonTransform.response()
                .rename("items.sku", "productId")
                .remove("customer.secret")
                .map("items.*.price", cents -> new JsonPrimitive(cents.getAsLong() / 100.0))
                .set("meta.version", 1)
                .build();
        JsonTransform shapeInput = JsonTransform.request()
                .rename("lines.productId", "sku")
                .add("lines.*.quantity", 1)
                .remove("client.debug")
                .maxBytes(1024)
                .build();
        gateway = PorticoServer.start(Gateway.builder()
                .route(Route.get("/shaped/**").filter(shapeOrder).to(app))
                .route(Route.post("/input/**").filter(shapeInput).to(app))
                .route(Route.any("/created/**").filter(StatusMapping.builder().map(201, 200).map(409, 422).build()).to(app))
                .route(Route.any("/plain/**").to(app))
                .build(), "127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        gateway.stop(Duration.ZERO);
        backend.close();
    }

    /** The backend: records each request, then answers by the last path segment. */
    private void serve(HttpServerExchange exchange) throws IOException {
        exchange.startBlocking();
        byte[] body = exchange.getInputStream().readAllBytes();
        received.add(new Received(exchange.getRequestURI(),
                exchange.getRequestHeaders().getFirst(Headers.CONTENT_LENGTH),
                exchange.getRequestHeaders().getFirst(Headers.TRANSFER_ENCODING),
                exchange.getRequestHeaders().getFirst(Headers.ACCEPT_ENCODING),
                new String(body, StandardCharsets.UTF_8)));
        String path = exchange.getRequestPath();
        String last = path.substring(path.lastIndexOf('/') + 1);
        io.undertow.util.HeaderMap out = exchange.getResponseHeaders();
        switch (last) {
            case "order" -> {
                out.put(Headers.CONTENT_TYPE, "application/json; charset=utf-8");
                out.put(Headers.ETAG, "\"v7\"");
                out.put(HttpString.tryFromString("Content-Digest"), "sha-256=:abc=:");
                exchange.getResponseSender().send(ORDER);
            }
            case "ranged-order" -> {
                out.put(Headers.CONTENT_TYPE, "application/json");
                if (exchange.getRequestHeaders().contains(Headers.RANGE)) {
                    exchange.setStatusCode(206);
                    out.put(Headers.CONTENT_RANGE, "bytes 0-9/" + ORDER.length());
                    exchange.getResponseSender().send(ORDER.substring(0, 10));
                } else {
                    exchange.getResponseSender().send(ORDER);
                }
            }
            case "chunked-order" -> {
                out.put(Headers.CONTENT_TYPE, "application/json");
                OutputStream stream = exchange.getOutputStream();
                stream.write(ORDER.substring(0, 20).getBytes(StandardCharsets.UTF_8));
                stream.flush(); // the head goes out without a length: the body is chunked
                stream.write(ORDER.substring(20).getBytes(StandardCharsets.UTF_8));
                stream.close();
            }
            case "missing" -> {
                exchange.setStatusCode(404);
                out.put(Headers.CONTENT_TYPE, "application/json");
                exchange.getResponseSender().send("{\"items\":[{\"sku\":\"kept\"}]}");
            }
            case "text" -> {
                out.put(Headers.CONTENT_TYPE, "text/plain");
                exchange.getResponseSender().send("{\"items\":[{\"sku\":\"not json by type\"}]}");
            }
            case "broken" -> {
                out.put(Headers.CONTENT_TYPE, "application/json");
                exchange.getResponseSender().send("{\"items\":[{\"sku\":");
            }
            case "huge" -> {
                out.put(Headers.CONTENT_TYPE, "application/json");
                exchange.getResponseSender().send("{\"pad\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}");
            }
            case "gzipped" -> {
                out.put(Headers.CONTENT_TYPE, "application/json");
                out.put(Headers.CONTENT_ENCODING, "gzip");
                exchange.getResponseSender().send("not really gzip");
            }
            case "create" -> {
                exchange.setStatusCode(201);
                out.put(Headers.CONTENT_TYPE, "application/json");
                exchange.getResponseSender().send("{\"id\":\"n1\"}");
            }
            case "conflict" -> {
                exchange.setStatusCode(409);
                exchange.getResponseSender().send("taken");
            }
            case "slow-json", "slow-text" -> {
                out.put(Headers.CONTENT_TYPE, last.equals("slow-json") ? "application/json" : "text/plain");
                OutputStream stream = exchange.getOutputStream();
                stream.write("[\"first\",".getBytes(StandardCharsets.UTF_8));
                stream.flush();
                try {
                    lastSentAfterFirstSeen.add(firstBytesSeen.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                stream.write("\"last\"]".getBytes(StandardCharsets.UTF_8));
                stream.close();
            }
            default -> {
                out.put(Headers.CONTENT_TYPE, "application/json");
                exchange.getResponseSender().send("{\"ok\":true}");
            }
        }
    }

    private RawHttp.Reply raw(String request) throws IOException {
        return RawHttp.send(gateway.port(), request);
    }

    private static String get(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: gw\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n";
    }

    private static String post(String target, String contentType, String body) {
        return "POST " + target + " HTTP/1.1\r\nHost: gw\r\nContent-Type: " + contentType + "\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n" + body;
    }

    private static int utf8Length(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    @Test
    void transformsNestedFieldsAndArraysOfAResponseAndSendsItsNewLength() throws Exception {
        RawHttp.Reply reply = raw(get("/shaped/order"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo(ORDER_SHAPED);
        assertThat(reply.header("Content-Length")).isEqualTo(Integer.toString(utf8Length(ORDER_SHAPED)));
        assertThat(reply.header("Transfer-Encoding")).isNull();
        assertThat(reply.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
        assertThat(reply.header("ETag")).isEqualTo("W/\"v7\"");
        assertThat(reply.header("Content-Digest")).isNull();
        assertThat(received.take().acceptEncoding()).isEqualTo("identity");
    }

    /** A range of a JSON document cannot be parsed, and a range of the edited one would show what remove hides. */
    @Test
    void asksTheUpstreamForTheWholeBodyWhenTheClientAsksForARange() throws Exception {
        RawHttp.Reply reply = raw("GET /shaped/ranged-order HTTP/1.1\r\nHost: gw\r\nRange: bytes=0-9\r\n"
                + "If-Range: \"v7\"\r\nConnection: close\r\n\r\n");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo(ORDER_SHAPED);
        assertThat(reply.header("Content-Range")).isNull();
    }

    @Test
    void answersAHeadWithTheHeadersAGetWouldHaveButTheUpstreamsLength() throws Exception {
        RawHttp.Reply reply = raw("HEAD /shaped/order HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("ETag")).isEqualTo("W/\"v7\"");
        assertThat(reply.header("Content-Digest")).isNull();
        assertThat(reply.header("Content-Length")).isNotEqualTo(Integer.toString(utf8Length(ORDER)));
    }

    @Test
    void transformsAChunkedResponseIntoOneWithAContentLength() throws Exception {
        RawHttp.Reply reply = raw(get("/shaped/chunked-order"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo(ORDER_SHAPED);
        assertThat(reply.header("Transfer-Encoding")).isNull();
        assertThat(reply.header("Content-Length")).isEqualTo(Integer.toString(utf8Length(ORDER_SHAPED)));
    }

    @Test
    void leavesErrorResponsesAndNonJsonBodiesAsTheUpstreamSentThem() throws Exception {
        RawHttp.Reply missing = raw(get("/shaped/missing"));
        RawHttp.Reply text = raw(get("/shaped/text"));

        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.body()).isEqualTo("{\"items\":[{\"sku\":\"kept\"}]}");
        assertThat(text.status()).isEqualTo(200);
        assertThat(text.body()).isEqualTo("{\"items\":[{\"sku\":\"not json by type\"}]}");
    }

    @Test
    void transformsARequestBodyAndFramesItByItsNewLength() throws Exception {
        String input = "{\"client\":{\"debug\":true,\"app\":\"ios\"},\"lines\":[{\"productId\":\"p1\",\"quantity\":3},{\"productId\":\"p2\"}]}";
        String shaped = "{\"client\":{\"app\":\"ios\"},\"lines\":[{\"sku\":\"p1\",\"quantity\":3},{\"sku\":\"p2\",\"quantity\":1}]}";

        RawHttp.Reply reply = raw(post("/input/orders", "application/json", input));

        assertThat(reply.status()).isEqualTo(200);
        Received sent = received.take();
        assertThat(sent.body()).isEqualTo(shaped);
        assertThat(sent.contentLength()).isEqualTo(Integer.toString(utf8Length(shaped)));
        assertThat(sent.transferEncoding()).isNull();
    }

    @Test
    void transformsAChunkedRequestBodyIntoOneWithAContentLength() throws Exception {
        String first = "{\"lines\":[{\"produc";
        String second = "tId\":\"p1\"}]}";
        String shaped = "{\"lines\":[{\"sku\":\"p1\",\"quantity\":1}]}";

        RawHttp.Reply reply = raw("POST /input/orders HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + Integer.toHexString(first.length()) + "\r\n" + first + "\r\n"
                + Integer.toHexString(second.length()) + "\r\n" + second + "\r\n0\r\n\r\n");

        assertThat(reply.status()).isEqualTo(200);
        Received sent = received.take();
        assertThat(sent.body()).isEqualTo(shaped);
        assertThat(sent.contentLength()).isEqualTo(Integer.toString(shaped.length()));
        assertThat(sent.transferEncoding()).isNull();
    }

    @Test
    void passesANonJsonRequestBodyUnchanged() throws Exception {
        String form = "lines[].productId=p1";

        assertThat(raw(post("/input/orders", "application/x-www-form-urlencoded", form)).status()).isEqualTo(200);

        Received sent = received.take();
        assertThat(sent.body()).isEqualTo(form);
        assertThat(sent.contentLength()).isEqualTo(Integer.toString(form.length()));
    }

    @Test
    void refusesARequestBodyOverTheBoundWith413AndNeverCallsTheUpstream() throws Exception {
        RawHttp.Reply reply = raw(post("/input/orders", "application/json", "{\"pad\":\"" + "x".repeat(2048) + "\"}"));

        assertThat(reply.status()).isEqualTo(413);
        assertThat(reply.header("Content-Type")).isEqualTo("application/json");
        assertThat(reply.body()).contains("\"error\":\"payload_too_large\"");
        assertThat(received.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void answersAResponseBodyOverTheBoundWith502() throws Exception {
        RawHttp.Reply reply = raw(get("/shaped/huge"));

        assertThat(reply.status()).isEqualTo(502);
        assertThat(reply.body()).startsWith("{\"error\":\"bad_gateway\",\"message\":").contains("1048576 bytes");
    }

    @Test
    void refusesInvalidJsonFromTheClientWith400() throws Exception {
        RawHttp.Reply reply = raw(post("/input/orders", "application/json", "{\"lines\":[{productId:'p1'}]}"));

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.bodyWithoutRequestId()).isEqualTo("{\"error\":\"bad_request\",\"message\":\"the request body is not valid JSON\"}");
        assertThat(received.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void answersInvalidJsonFromTheUpstreamWith502() throws Exception {
        RawHttp.Reply reply = raw(get("/shaped/broken"));

        assertThat(reply.status()).isEqualTo(502);
        assertThat(reply.bodyWithoutRequestId()).isEqualTo("{\"error\":\"bad_gateway\",\"message\":\"the upstream's response body is not valid JSON\"}");
    }

    @Test
    void answersAnEncodedJsonResponseItCannotTransformWith502() throws Exception {
        RawHttp.Reply reply = raw(get("/shaped/gzipped"));

        assertThat(reply.status()).isEqualTo(502);
        assertThat(reply.body()).contains("Content-Encoding gzip");
    }

    @Test
    void mapsStatusCodesKeepingTheBody() throws Exception {
        RawHttp.Reply created = raw(post("/created/create", "application/json", "{}"));
        RawHttp.Reply conflict = raw(get("/created/conflict"));
        RawHttp.Reply other = raw(get("/created/other"));

        assertThat(created.status()).isEqualTo(200);
        assertThat(created.body()).isEqualTo("{\"id\":\"n1\"}");
        assertThat(conflict.status()).isEqualTo(422);
        assertThat(conflict.body()).isEqualTo("taken");
        assertThat(other.status()).isEqualTo(200);
    }

    @Test
    void aRouteWithoutTransformationStreamsItsJsonResponse() throws Exception {
        assertThat(firstBytesBeforeTheLast("/plain/slow-json")).isEqualTo("[\"first\",\"last\"]");
    }

    @Test
    void aTransformingRouteStreamsABodyThatIsNotJson() throws Exception {
        assertThat(firstBytesBeforeTheLast("/shaped/slow-text")).isEqualTo("[\"first\",\"last\"]");
    }

    /**
     * Reads the first bytes of a response while the backend holds back its last ones until the client has seen the
     * first; returns the whole body once the backend confirms it sent the last bytes only after that.
     */
    private String firstBytesBeforeTheLast(String target) throws Exception {
        HttpResponse<InputStream> response = client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + target))
                        .timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            byte[] first = in.readNBytes("[\"first\",".length());
            firstBytesSeen.countDown();
            String body = new String(first, StandardCharsets.UTF_8) + new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(lastSentAfterFirstSeen.take()).as("the backend held its last bytes until the client saw the first").isTrue();
            return body;
        }
    }
}
