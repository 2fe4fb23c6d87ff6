package dev.portico.grpc;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.undertow.PorticoServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.portico.grpc.Http.error;
import static dev.portico.grpc.Http.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The bounds on JSON bodies through a real gateway to a real gRPC server: what is over them, or not UTF-8, answers
 * 400 before any call; a large body becomes its message off the IO thread that read it.
 */
class GrpcBodyLimitsTest {

    private static ShopServer shop;
    private static GrpcTranscoder transcoder;
    private static PorticoServer gateway;
    private static Http http;
    private static final List<String> conversionThreads = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        shop = new ShopServer();
        transcoder = GrpcTranscoder.builder(shop.target()).descriptorSet(Shops.DESCRIPTOR_SET).build();
        transcoder.conversionObserver = thread -> conversionThreads.add(thread.getName());
        gateway = PorticoServer.start(Gateway.builder()
                .route(Route.post("/echo").handler(transcoder.method(Shops.SHOP + "/Echo").body("*").build()))
                .route(Route.post("/tight").handler(transcoder.method(Shops.SHOP + "/Echo").body("*")
                        .maxBodyDepth(2).maxBodyValues(4).build()))
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
    void refusesABodyWithMoreValuesThanTheLimitWith400BeforeAnyCall() throws Exception {
        int calls = shop.calls.get();
        // the object, the array and its numbers: one value over the default limit, in some 200 KB
        HttpResponse<String> over = http.post("/echo", numbers(GrpcTranscoder.DEFAULT_MAX_BODY_VALUES - 1));

        assertRefusedBeforeAnyCall(over, calls);
        assertThat(message(over)).isEqualTo("the body has more than 100000 JSON values");

        HttpResponse<String> atTheLimit = http.post("/echo", numbers(GrpcTranscoder.DEFAULT_MAX_BODY_VALUES - 2));

        assertThat(atTheLimit.statusCode()).isEqualTo(200);
        assertThat(json(atTheLimit).getAsJsonObject().get("numberCount").getAsInt()).isEqualTo(99_998);
    }

    @ParameterizedTest(name = "{0} levels of {1}")
    @CsvSource({"33, arrays", "60, objects"})
    void refusesNestingDeeperThanTheLimitWith400BeforeAnyCall(int levels, String kind) throws Exception {
        int calls = shop.calls.get();

        HttpResponse<String> response = http.post("/echo", nested(levels, kind.equals("arrays")));

        assertRefusedBeforeAnyCall(response, calls);
        assertThat(message(response)).isEqualTo("the body nests arrays and objects deeper than 32 levels");
    }

    @Test
    void takesAStructNestedToTheDepthLimitAndRefusesOneLevelMore() throws Exception {
        // 32 JSON levels of Struct are 94 message levels: under the 100 that protobuf parses (35 would be 103)
        String deepest = nested(GrpcTranscoder.DEFAULT_MAX_BODY_DEPTH, false);

        HttpResponse<String> taken = http.post("/echo", deepest);
        int calls = shop.calls.get();
        HttpResponse<String> refused = http.post("/echo", nested(GrpcTranscoder.DEFAULT_MAX_BODY_DEPTH + 1, false));

        assertThat(taken.statusCode()).isEqualTo(200);
        assertThat(json(taken).getAsJsonObject().get("data"))
                .isEqualTo(JsonParser.parseString(deepest).getAsJsonObject().get("data"));
        assertRefusedBeforeAnyCall(refused, calls);
    }

    @Test
    void refusesABodyThatIsNotUtf8With400BeforeAnyCall() throws Exception {
        int calls = shop.calls.get();
        byte[] body = "{\"text\":\"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1); // é as one Latin-1 byte
        HttpRequest request = HttpRequest.newBuilder(http.request("POST", "/echo", null).uri())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();

        HttpResponse<String> response = http.client().send(request, HttpResponse.BodyHandlers.ofString());

        assertRefusedBeforeAnyCall(response, calls);
        assertThat(message(response)).isEqualTo("the body is not valid UTF-8");
    }

    @Test
    void refusesALoneSurrogateWith400BeforeAnyCallButTakesAPair() throws Exception {
        int calls = shop.calls.get();
        // escapes in the JSON: the first two would reach the service as "a?" and "?a"
        List<HttpResponse<String>> refused = List.of(http.post("/echo", "{\"text\":\"a\\ud800\"}"),
                http.post("/echo", "{\"text\":\"\\udc00a\"}"), http.post("/echo", "{\"data\":{\"\\ud83d\":1}}"));

        for (HttpResponse<String> response : refused) {
            assertRefusedBeforeAnyCall(response, calls);
            assertThat(message(response)).contains("lone surrogate");
        }

        HttpResponse<String> pair = http.post("/echo", "{\"text\":\"\\ud83d\\ude00\"}");

        assertThat(pair.statusCode()).isEqualTo(200);
        assertThat(json(pair).getAsJsonObject().get("text").getAsString()).isEqualTo("\ud83d\ude00");
    }

    @Test
    void convertsALargeBodyOffTheIoThreadAndASmallOneInline() throws Exception {
        String text = "x".repeat(GrpcMethod.MAX_INLINE_BODY);
        conversionThreads.clear();

        HttpResponse<String> small = http.post("/echo", "{\"text\":\"small\"}");
        HttpResponse<String> large = http.post("/echo",
                "{\"text\":\"" + text + "\",\"data\":{\"list\":[1,\"two\",null]},\"numbers\":[1,2,3]}");

        assertThat(small.statusCode()).isEqualTo(200);
        assertThat(large.statusCode()).isEqualTo(200);
        JsonObject reply = json(large).getAsJsonObject();
        assertThat(reply.get("text").getAsString()).isEqualTo(text);
        assertThat(reply.get("data").toString()).isEqualTo("{\"list\":[1.0,\"two\",null]}");
        assertThat(reply.get("numberCount").getAsInt()).isEqualTo(3);
        assertThat(conversionThreads).hasSize(2);
        assertThat(conversionThreads.get(0)).as("the small body's, on the IO thread that read it").contains("I/O");
        assertThat(conversionThreads.get(1)).as("the large body's").startsWith("portico-grpc-json-")
                .doesNotContain("I/O");
    }

    @Test
    void aMethodCanSetItsOwnLimits() throws Exception {
        int calls = shop.calls.get();

        HttpResponse<String> tooMany = http.post("/tight", "{\"numbers\":[1,2,3]}");
        HttpResponse<String> tooDeep = http.post("/tight", "{\"data\":{\"a\":[]}}");

        assertRefusedBeforeAnyCall(tooMany, calls);
        assertRefusedBeforeAnyCall(tooDeep, calls);
        assertThat(message(tooMany)).isEqualTo("the body has more than 4 JSON values");
        assertThat(message(tooDeep)).isEqualTo("the body nests arrays and objects deeper than 2 levels");
        assertThat(http.post("/tight", "{\"numbers\":[1,2]}").statusCode()).isEqualTo(200);
    }

    @Test
    void refusesLimitsOutOfRangeAtBuild() {
        assertThatIllegalArgumentException().isThrownBy(() -> GrpcTranscoder.builder("localhost:1").maxBodyDepth(0))
                .withMessage("maxBodyDepth: 0 (expected: 1-100)");
        assertThatIllegalArgumentException().isThrownBy(() -> transcoder.method(Shops.SHOP + "/Echo").maxBodyDepth(101))
                .withMessage("maxBodyDepth: 101 (expected: 1-100)");
        assertThatIllegalArgumentException().isThrownBy(() -> GrpcTranscoder.builder("localhost:1").maxBodyValues(0))
                .withMessage("maxBodyValues: 0 (expected: > 0)");
    }

    private static void assertRefusedBeforeAnyCall(HttpResponse<String> response, int calls) {
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(error(response)).isEqualTo("bad_request");
        assertThat(shop.calls.get()).as("calls reaching the server").isEqualTo(calls);
    }

    private static String message(HttpResponse<String> response) {
        return json(response).getAsJsonObject().get("message").getAsString();
    }

    /** Returns {@code {"numbers":[0,0,...]}} with this many numbers. */
    private static String numbers(int count) {
        StringBuilder body = new StringBuilder(count * 2 + 16).append("{\"numbers\":[");
        for (int i = 0; i < count; i++) {
            body.append(i == 0 ? "0" : ",0");
        }
        return body.append("]}").toString();
    }

    /**
     * Returns a body this many levels deep, the request's own object included: its {@code data} (a
     * {@code google.protobuf.Value}) holds objects {@code {"a":...}} or arrays {@code [...]} down to a {@code 1}.
     */
    private static String nested(int levels, boolean arrays) {
        StringBuilder body = new StringBuilder("{\"data\":");
        for (int i = 1; i < levels; i++) {
            body.append(arrays ? "[" : "{\"a\":");
        }
        body.append('1');
        body.append((arrays ? "]" : "}").repeat(levels - 1));
        return body.append('}').toString();
    }
}
