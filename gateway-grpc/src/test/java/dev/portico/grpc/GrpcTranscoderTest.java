package dev.portico.grpc;

import com.google.gson.JsonObject;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.undertow.PorticoServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static dev.portico.grpc.Http.error;
import static dev.portico.grpc.Http.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** Unary transcoding through a real gateway to a real gRPC server: google.api.http routes, the DSL, the 400s. */
class GrpcTranscoderTest {

    private static ShopServer shop;
    private static GrpcTranscoder transcoder;
    private static GrpcTranscoder withOptions;
    private static PorticoServer gateway;
    private static Http http;

    @BeforeAll
    static void start() {
        shop = new ShopServer();
        transcoder = GrpcTranscoder.builder(shop.target()).descriptorSet(Shops.DESCRIPTOR_SET).build();
        withOptions = GrpcTranscoder.builder(shop.target()).descriptorSet(Shops.DESCRIPTOR_SET)
                .preserveProtoFieldNames().includeDefaultValues().ignoreUnknownFields().ignoreUnknownQueryParameters()
                .build();
        Gateway.Builder routes = Gateway.builder();
        transcoder.routes().forEach(routes::route);
        routes.route(Route.post("/echo").handler(transcoder.method(Shops.SHOP + "/Echo").body("*").status(201).build()));
        routes.route(Route.post("/echo-text").handler(transcoder.method(Shops.SHOP + "/Echo").body("text").build()));
        routes.route(Route.get("/echo/{text}").handler(transcoder.method(Shops.SHOP + "/Echo").build()));
        routes.route(Route.get("/shelves/{shelf}/items").handler(transcoder.method(Shops.SHOP + "/GetShelf").responseBody("items").build()));
        routes.route(Route.get("/shelves/{shelf}/featured").handler(transcoder.method(Shops.SHOP + "/GetShelf").responseBody("featured").build()));
        routes.route(Route.get("/shelves/{shelf}/name").handler(transcoder.method(Shops.SHOP + "/GetShelf").responseBody("name").build()));
        routes.route(Route.get("/tags/{shelf}/{id}").handler(transcoder.method(Shops.SHOP + "/GetItem").responseBody("tags").build()));
        routes.route(Route.post("/options/echo").handler(withOptions.method(Shops.SHOP + "/Echo").body("*").build()));
        routes.route(Route.get("/options/shelves/{shelf}/items/{id}")
                .handler(withOptions.method(Shops.SHOP + "/GetItem").build()));
        gateway = PorticoServer.start(routes.build(), "127.0.0.1", 0);
        http = new Http(gateway.port());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        transcoder.close();
        withOptions.close();
        shop.close();
    }

    @Test
    void getsAnItemByTheAnnotatedPathWithItsCaptures() throws Exception {
        HttpResponse<String> response = http.get("/v1/shelves/s1/items/42");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(json(response)).isEqualTo(parse("{\"id\":\"42\",\"displayName\":\"item 42\",\"shelf\":\"s1\"}"));
    }

    @Test
    void createsAnItemFromTheBodyFieldThePathAndTheQuery() throws Exception {
        HttpResponse<String> response = http.post("/v1/shelves/s1/items?dryRun=true",
                "{\"displayName\":\"lamp\",\"quantity\":3,\"color\":\"BLUE\",\"tags\":[\"a\"]}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response)).isEqualTo(parse("{\"id\":\"7\",\"displayName\":\"lamp\",\"quantity\":3,"
                + "\"tags\":[\"a\",\"dry-run\"],\"color\":\"BLUE\",\"shelf\":\"s1\"}"));
    }

    @Test
    void anAdditionalBindingTakesTheWholeBodyAndThePathCaptureWins() throws Exception {
        HttpResponse<String> response = http.send("PUT", "/v1/shelves/s1/items",
                "{\"shelf\":\"elsewhere\",\"item\":{\"displayName\":\"desk\"},\"dryRun\":true}");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonObject item = json(response).getAsJsonObject();
        assertThat(item.get("shelf").getAsString()).isEqualTo("s1");
        assertThat(item.get("displayName").getAsString()).isEqualTo("desk");
        assertThat(item.getAsJsonArray("tags").toString()).isEqualTo("[\"dry-run\"]");
    }

    @Test
    void aCaptureOfANestedFieldSetsThatField() throws Exception {
        HttpResponse<String> response = http.send("PATCH", "/v1/items/9", "{\"id\":\"1\",\"displayName\":\"chair\"}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response)).isEqualTo(parse("{\"id\":\"9\",\"displayName\":\"chair\"}"));
    }

    @Test
    void anEmptyReplyIsAnEmptyObject() throws Exception {
        HttpResponse<String> response = http.send("DELETE", "/v1/shelves/s1/items/3", null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{}");
    }

    @Test
    void aMethodWithoutAnnotationsIsRoutedByTheDslWithItsSuccessStatus() throws Exception {
        HttpResponse<String> created = http.post("/echo", "{\"text\":\"hello\"}");
        HttpResponse<String> fromField = http.post("/echo-text", "\"plain\"");
        HttpResponse<String> fromCapture = http.get("/echo/captured");

        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(json(created).getAsJsonObject().get("text").getAsString()).isEqualTo("hello");
        assertThat(fromField.statusCode()).isEqualTo(200);
        assertThat(json(fromField).getAsJsonObject().get("text").getAsString()).isEqualTo("plain");
        assertThat(json(fromCapture).getAsJsonObject().get("text").getAsString()).isEqualTo("captured");
    }

    @Test
    void answersOneFieldOfTheReplyWithResponseBody() throws Exception {
        assertThat(http.get("/shelves/s1/items").body()).isEqualTo("[{\"id\":\"1\",\"displayName\":\"one\","
                + "\"tags\":[\"a\",\"b\"]},{\"id\":\"2\",\"displayName\":\"two\"}]");
        assertThat(http.get("/shelves/empty/items").body()).isEqualTo("[]");
        assertThat(http.get("/shelves/s1/featured").body()).isEqualTo("{\"id\":\"1\",\"displayName\":\"one\"}");
        assertThat(http.get("/shelves/empty/featured").body()).isEqualTo("null");
        assertThat(http.get("/shelves/s1/name").body()).isEqualTo("\"s1\"");
        assertThat(http.get("/shelves/empty/name").body()).isEqualTo("\"empty\"");
        assertThat(http.get("/tags/s1/3").body()).isEqualTo("[]");
    }

    @Test
    void writesProtoNamesAndDefaultValuesWhenAsked() throws Exception {
        HttpResponse<String> item = http.get("/options/shelves/s2/items/5");
        HttpResponse<String> echo = http.post("/options/echo", "{\"text\":\"x\",\"unknownField\":1}");

        assertThat(json(item)).isEqualTo(parse("{\"id\":\"5\",\"display_name\":\"item 5\",\"quantity\":0,\"tags\":[],"
                + "\"color\":\"COLOR_UNSPECIFIED\",\"shelf\":\"s2\"}"));
        assertThat(echo.statusCode()).as("unknown fields ignored when asked").isEqualTo(200);
        assertThat(json(echo).getAsJsonObject().keySet()).contains("metadata", "deadline_ms");
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource(delimiter = '|', value = {
        "POST | /v1/shelves/s1/items | {",
        "POST | /v1/shelves/s1/items | {\"quantity\":\"many\"}",
        "POST | /v1/shelves/s1/items | {\"quantity\":1.5}",
        "POST | /v1/shelves/s1/items | {\"nope\":1}",
        "POST | /v1/shelves/s1/items | {\"quantity\":1,\"quantity\":2}",
        "POST | /v1/shelves/s1/items | {\"quantity\":1} {}",
        "POST | /v1/shelves/s1/items | {quantity:1}",
        "POST | /v1/shelves/s1/items | []",
        "POST | /v1/shelves/s1/items | {\"color\":\"GREEN\"}",
        "POST | /v1/shelves/s1/items?dryRun=maybe | {}",
        "POST | /v1/shelves/s1/items?bogus=1 | {}",
        "PUT | /v1/shelves/s1/items?dryRun=true | {}",
        "GET | /v1/shelves/s1/items/abc | ",
        "GET | /v1/shelves/s1/items/99999999999999999999 | ",
        "POST | /echo | {\"delayMs\":\"soon\"}",
        "POST | /echo | {\"text\":\"a\"} trailing",
    })
    void refusesARequestThatDoesNotFitTheMessageWith400BeforeAnyCall(String method, String target, String body)
            throws Exception {
        int calls = shop.calls.get();

        HttpResponse<String> response = http.send(method, target, body);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(error(response)).isEqualTo("bad_request");
        assertThat(json(response).getAsJsonObject().get("message").getAsString()).doesNotContain("Exception");
        assertThat(shop.calls.get()).as("calls reaching the server").isEqualTo(calls);
    }

    @Test
    void reusesOneChannelAndOneConnectionAcrossRequests() throws Exception {
        try (ShopServer own = new ShopServer();
             GrpcTranscoder one = GrpcTranscoder.builder(own.target()).descriptorSet(Shops.DESCRIPTOR_SET).build();
             PorticoServer server = PorticoServer.start(Gateway.builder()
                     .route(Route.get("/items/{id}").handler(one.method(Shops.SHOP + "/GetItem").build())).build(),
                     "127.0.0.1", 0)) {
            Http client = new Http(server.port());
            List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                inFlight.add(client.client().sendAsync(client.request("GET", "/items/" + i, null),
                        HttpResponse.BodyHandlers.ofString()));
            }
            for (CompletableFuture<HttpResponse<String>> response : inFlight) {
                assertThat(response.get().statusCode()).isEqualTo(200);
            }
            assertThat(client.get("/items/41").statusCode()).isEqualTo(200);

            assertThat(own.calls.get()).isEqualTo(41);
            assertThat(own.connections.get()).as("connections the upstream accepted").isEqualTo(1);
        }
    }

    @Test
    void balancesRoundRobinOverAListOfAddresses() throws Exception {
        try (ShopServer first = new ShopServer(); ShopServer second = new ShopServer();
             GrpcTranscoder both = GrpcTranscoder.builder(List.of(new java.net.InetSocketAddress("127.0.0.1", first.port()),
                     new java.net.InetSocketAddress("localhost", second.port()))).descriptorSet(Shops.DESCRIPTOR_SET).build();
             PorticoServer server = PorticoServer.start(Gateway.builder()
                     .route(Route.get("/items/{id}").handler(both.method(Shops.SHOP + "/GetItem").build())).build(),
                     "127.0.0.1", 0)) {
            Http client = new Http(server.port());
            for (int i = 0; i < 40; i++) {
                assertThat(client.get("/items/" + i).statusCode()).isEqualTo(200);
            }

            assertThat(first.calls.get() + second.calls.get()).isEqualTo(40);
            assertThat(first.calls.get()).isBetween(10, 30);
            assertThat(second.calls.get()).isBetween(10, 30);
        }
    }

    @Test
    void makesARouteForEveryAnnotatedBindingWithTheMethodAsId() {
        List<String> ids = transcoder.routes().stream().map(route -> route.build().id()).toList();
        List<String> patterns = transcoder.routes(Shops.SHOP).stream()
                .map(route -> route.build().methods() + " " + route.build().pattern()).toList();

        assertThat(ids).containsExactly(Shops.SHOP + "/GetItem", Shops.SHOP + "/CreateItem",
                Shops.SHOP + "/CreateItem#2", Shops.SHOP + "/UpdateItem", Shops.SHOP + "/DeleteItem",
                Shops.SHOP + "/ListItems");
        assertThat(patterns).containsExactly("[GET] /v1/shelves/{shelf}/items/{id}", "[POST] /v1/shelves/{shelf}/items",
                "[PUT] /v1/shelves/{shelf}/items", "[PATCH] /v1/items/{item-id}", "[DELETE] /v1/shelves/{shelf}/items/{id}",
                "[GET] /v1/shelves/{shelf}/items");
    }

    @Test
    void refusesFieldsAndMethodsThatDoNotExistAtBuild() {
        assertThatIllegalArgumentException().isThrownBy(() -> transcoder.method(Shops.SHOP + "/Nope"))
                .withMessageContaining("Shop/Nope");
        assertThatIllegalArgumentException().isThrownBy(() -> transcoder.method(Shops.SHOP + "/Echo").body("nope").build())
                .withMessageContaining("body: nope");
        assertThatIllegalArgumentException().isThrownBy(() -> transcoder.method(Shops.SHOP + "/Echo").capture("x", "y.z").build())
                .withMessageContaining("capture {x}");
        assertThatIllegalArgumentException().isThrownBy(() -> GrpcTranscoder.builder(shop.target()).forwardHeaders("grpc-timeout"))
                .withMessageContaining("grpc-timeout");
    }

    @Test
    void answersHeadOnAnAnnotatedGetWithoutABody() throws Exception {
        HttpResponse<String> response = http.send("HEAD", "/v1/shelves/s1/items/42", null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEmpty();
    }

    @Test
    void closesItsChannelWithTheGatewayItIsAResourceOf() {
        GrpcTranscoder owned = GrpcTranscoder.builder(shop.target()).descriptorSet(Shops.DESCRIPTOR_SET).build();
        PorticoServer server = PorticoServer.start(Gateway.builder().resource(owned)
                .route(Route.get("/echo/{text}").handler(owned.method(Shops.SHOP + "/Echo").build())).build(),
                "127.0.0.1", 0);
        assertThat(owned.channel().isShutdown()).isFalse();

        server.close();

        assertThat(owned.channel().isShutdown()).isTrue();
    }

    @Test
    void aClosedTranscoderAnswers503() throws Exception {
        GrpcTranscoder closed = GrpcTranscoder.builder(shop.target()).descriptorSet(Shops.DESCRIPTOR_SET).build();
        try (PorticoServer server = PorticoServer.start(Gateway.builder()
                .route(Route.get("/echo/{text}").handler(closed.method(Shops.SHOP + "/Echo").build())).build(), "127.0.0.1", 0)) {
            Http client = new Http(server.port());
            assertThat(client.get("/echo/a").statusCode()).isEqualTo(200);

            closed.close();
            HttpResponse<String> response = client.get("/echo/b");

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(error(response)).isEqualTo("service_unavailable");
        }
    }

    private static com.google.gson.JsonElement parse(String text) {
        return com.google.gson.JsonParser.parseString(text);
    }
}
