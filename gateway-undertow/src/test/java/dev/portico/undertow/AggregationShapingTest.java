package dev.portico.undertow;

import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.aggregate.Aggregator;
import dev.portico.core.aggregate.Part;
import dev.portico.core.aggregate.PartResult;
import dev.portico.core.aggregate.Shape;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static dev.portico.undertow.AggregationBackend.Answer.json;
import static org.assertj.core.api.Assertions.assertThat;

/** Over real sockets, each part is shaped and placed as it says, and a custom combiner sees every part's result. */
class AggregationShapingTest {

    private final HttpClient client = HttpClient.newHttpClient();
    private AggregationBackend backend;
    private Upstream service;
    private PorticoServer gateway;

    @BeforeEach
    void start() {
        backend = new AggregationBackend()
                .on("/user", json("{\"data\":{\"id\":\"u1\",\"name\":\"Ann\",\"password\":\"x\",\"address\":{\"city\":\"Oslo\",\"zip\":\"0150\"}}}"))
                .on("/orders", json("{\"items\":[{\"id\":\"o1\",\"total\":10,\"internal\":1},{\"id\":\"o2\",\"total\":20,\"internal\":2}]}"))
                .on("/products", json("[{\"id\":\"p1\",\"name\":\"Pen\"},{\"id\":\"p2\",\"name\":\"Ink\"}]"))
                .on("/flags", json("{\"beta\":true}"))
                .on("/broken", json("{}").status(500));
        service = Upstream.of("service", backend.url());
    }

    @AfterEach
    void stop() {
        gateway.stop(Duration.ZERO);
        backend.close();
    }

    private HttpResponse<String> get(Aggregator aggregator) throws Exception {
        gateway = PorticoServer.start(Gateway.builder().route(Route.get("/agg").handler(aggregator)).build(),
                "127.0.0.1", 0);
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/agg"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shapesEachPartAndPlacesItUnderAKeyOrAtTheRoot() throws Exception {
        HttpResponse<String> response = get(Aggregator.builder()
                .part("user", Part.get(service, "/user").atRoot().shape(Shape.builder()
                        .unwrap("data").deny("password", "address.zip").rename("name", "displayName").build()))
                .part("orders", Part.get(service, "/orders").under("recentOrders").shape(Shape.builder()
                        .unwrap("items").map(Shape.builder().allow("id", "total").rename("total", "amount").build())
                        .build()))
                .part("top", Part.get(service, "/products").shape(Shape.builder().element(0).allow("name").build()))
                .part("ids", Part.get(service, "/products").shape(Shape.builder().unwrap("id").build()))
                .build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"id\":\"u1\",\"displayName\":\"Ann\",\"address\":{\"city\":\"Oslo\"},"
                + "\"recentOrders\":[{\"id\":\"o1\",\"amount\":10},{\"id\":\"o2\",\"amount\":20}],"
                + "\"top\":{\"name\":\"Pen\"},\"ids\":[\"p1\",\"p2\"]}");
    }

    @Test
    void allowListsNestedPathsAndArrays() throws Exception {
        HttpResponse<String> response = get(Aggregator.builder()
                .part("user", Part.get(service, "/user").shape(Shape.builder().allow("data.id", "data.address.city").build()))
                .part("orders", Part.get(service, "/orders").shape(Shape.builder().allow("items.id").build()))
                .build());

        assertThat(response.body()).isEqualTo("{\"user\":{\"data\":{\"id\":\"u1\",\"address\":{\"city\":\"Oslo\"}}},"
                + "\"orders\":{\"items\":[{\"id\":\"o1\"},{\"id\":\"o2\"}]}}");
    }

    @Test
    void laterRootPartsWinAClashAndAFailedRootPartAddsNothing() throws Exception {
        HttpResponse<String> response = get(Aggregator.builder()
                .part("flags", Part.get(service, "/flags").atRoot())
                .part("override", Part.get(service, "/flags").atRoot()
                        .shape(Shape.builder().set("beta", new JsonPrimitive(false)).build()))
                .part("broken", Part.get(service, "/broken").atRoot().optional())
                .build());

        assertThat(response.body()).isEqualTo("{\"beta\":false}");
        assertThat(response.headers().firstValue("X-Gateway-Partial")).hasValue("true");
    }

    @Test
    void aFanOutShapesEachAnswer() throws Exception {
        backend.on("/products/p1", json("{\"id\":\"p1\",\"name\":\"Pen\",\"cost\":3}"))
                .on("/products/p2", json("{\"id\":\"p2\",\"name\":\"Ink\",\"cost\":4}"));
        HttpResponse<String> response = get(Aggregator.builder()
                .part("list", Part.get(service, "/products"))
                .part("details", Part.get(service, "/products/{each.id}").forEach("list", 10)
                        .shape(Shape.builder().deny("cost").rename("name", "title").build()))
                .build());

        assertThat(JsonHelp.field(response.body(), "details"))
                .isEqualTo("[{\"id\":\"p1\",\"title\":\"Pen\"},{\"id\":\"p2\",\"title\":\"Ink\"}]");
    }

    @Test
    void aCustomCombinerSeesEveryResultAndTheFailureRulesStillApply() throws Exception {
        HttpResponse<String> response = get(Aggregator.builder()
                .part("orders", Part.get(service, "/orders").shape(Shape.builder().unwrap("items").build()))
                .part("broken", Part.get(service, "/broken").optional())
                .combiner(parts -> {
                    JsonObject summary = new JsonObject();
                    summary.addProperty("orderCount", parts.get("orders").value().getAsJsonArray().size());
                    PartResult broken = parts.get("broken");
                    summary.addProperty("broken", broken.outcome() + " " + broken.status() + " " + broken.message());
                    return summary;
                })
                .build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body())
                .isEqualTo("{\"orderCount\":2,\"broken\":\"FAILED 500 upstream service answered 500\"}");
        assertThat(response.headers().firstValue("X-Gateway-Partial")).hasValue("true");
    }

    @Test
    void aCombinerThatThrowsIs500WithoutDetail() throws Exception {
        HttpResponse<String> response = get(Aggregator.builder()
                .part("orders", Part.get(service, "/orders"))
                .combiner(parts -> {
                    throw new IllegalStateException("secret detail");
                })
                .build());

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).contains("internal_error").doesNotContain("secret").doesNotContain("Exception");
    }

    /** Reads one field of a JSON object as compact text. */
    private static final class JsonHelp {
        static String field(String json, String name) {
            return com.google.gson.JsonParser.parseString(json).getAsJsonObject().get(name).toString();
        }
    }
}
