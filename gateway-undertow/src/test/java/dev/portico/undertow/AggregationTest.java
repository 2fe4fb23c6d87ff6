package dev.portico.undertow;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.aggregate.Aggregator;
import dev.portico.core.aggregate.Part;
import dev.portico.core.upstream.CallOutcome;
import dev.portico.core.upstream.Upstream;
import dev.portico.undertow.AggregationBackend.Answer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static dev.portico.undertow.AggregationBackend.Answer.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Over real sockets, an aggregation runs its parts in parallel, in dependency order where it must, answers by its
 * deadline with what arrived, and turns failed parts into values: null and partial when optional, 502 or 504 JSON
 * when required or when every part failed.
 */
class AggregationTest {

    private static final Duration MS_200 = Duration.ofMillis(200);

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<CallOutcome> outcomes = new CopyOnWriteArrayList<>();
    private AggregationBackend backend;
    private Upstream service;
    private PorticoServer gateway;

    @BeforeEach
    void start() {
        backend = new AggregationBackend();
        service = Upstream.builder("service").instance(backend.url()).listener(outcomes::add).build();
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.stop(Duration.ZERO);
        }
        backend.close();
    }

    private void serve(Aggregator aggregator) {
        gateway = PorticoServer.start(Gateway.builder()
                .route(Route.get("/agg/{id}").handler(aggregator))
                .build(), "127.0.0.1", 0);
    }

    private HttpResponse<String> get(String target) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + target))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonObject body(HttpResponse<String> response) {
        return JsonParser.parseString(response.body()).getAsJsonObject();
    }

    private static long millis(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    @Test
    void aPartThatAHandlerAnswersJoinsTheUpstreamPartsAndFailsAsOneOfThem() throws Exception {
        backend.on("/a", json("{\"a\":1}"));
        serve(Aggregator.builder()
                .part("remote", Part.get(service, "/a"))
                .part("local", Part.handler((request, context) -> java.util.concurrent.CompletableFuture.completedFuture(
                        dev.portico.core.Response.json(200, "{\"path\":\"" + request.path() + "\",\"x\":\""
                                + request.queryParam("x") + "\"}")), "/local?x=1"))
                .part("broken", Part.handler((request, context) -> java.util.concurrent.CompletableFuture.failedFuture(
                        dev.portico.core.GatewayException.badGateway("no")), "/broken").optional())
                .build());

        HttpResponse<String> response = get("/agg/1");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Gateway-Partial")).hasValue("true");
        assertThat(body(response)).isEqualTo(JsonParser.parseString(
                "{\"remote\":{\"a\":1},\"local\":{\"path\":\"/local\",\"x\":\"1\"},\"broken\":null}"));
    }

    @Test
    void threePartsOf200MsAnswerInAbout200MsNot600() throws Exception {
        backend.on("/a", json("{\"a\":1}").after(MS_200)).on("/b", json("{\"b\":2}").after(MS_200))
                .on("/c", json("[3]").after(MS_200));
        serve(Aggregator.builder()
                .part("a", Part.get(service, "/a"))
                .part("b", Part.get(service, "/b"))
                .part("c", Part.get(service, "/c"))
                .build());
        get("/agg/1"); // warm the connections' first use

        long start = System.nanoTime();
        HttpResponse<String> response = get("/agg/1");
        long took = millis(start);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(response.body()).isEqualTo("{\"a\":{\"a\":1},\"b\":{\"b\":2},\"c\":[3]}");
        assertThat(response.headers().firstValue("X-Gateway-Partial")).isEmpty();
        assertThat(took).isGreaterThanOrEqualTo(195).isLessThan(450);
    }

    @Test
    void aDependentPartWaitsForItsSourceWhileIndependentPartsRunAlongside() throws Exception {
        backend.on("/users/7", json("{\"id\":\"7\",\"team\":\"red\"}").after(MS_200))
                .on("/teams/red", json("{\"name\":\"Red team\"}").after(MS_200))
                .on("/news", json("[\"n1\"]").after(Duration.ofMillis(300)));
        serve(Aggregator.builder()
                .part("user", Part.get(service, "/users/{id}"))
                .part("team", Part.get(service, "/teams/{user.team}"))
                .part("news", Part.get(service, "/news"))
                .build());
        get("/agg/7");

        long start = System.nanoTime();
        HttpResponse<String> response = get("/agg/7");
        long took = millis(start);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(body(response).getAsJsonObject("team").get("name").getAsString()).isEqualTo("Red team");
        assertThat(body(response).getAsJsonArray("news").get(0).getAsString()).isEqualTo("n1");
        assertThat(took).as("user then team (400 ms), news alongside").isGreaterThanOrEqualTo(395).isLessThan(650);
    }

    @Test
    void aPartWhoseSourceFailedFailsWithoutBeingCalled() throws Exception {
        backend.on("/users/7", json("{}").status(500)).on("/news", json("[]"));
        serve(Aggregator.builder()
                .part("user", Part.get(service, "/users/{id}").optional())
                .part("team", Part.get(service, "/teams/{user.team}").optional())
                .part("news", Part.get(service, "/news"))
                .build());

        HttpResponse<String> response = get("/agg/7");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"user\":null,\"team\":null,\"news\":[]}");
        assertThat(response.headers().firstValue("X-Gateway-Partial")).hasValue("true");
        assertThat(backend.received().stream().map(AggregationBackend.Received::path)).doesNotContain("/teams/null");
        assertThat(backend.received()).hasSize(2);
    }

    @Test
    void fansOutOverAnArrayInParallelUpToTheCap() throws Exception {
        backend.on("/orders", json("[{\"productId\":\"p1\"},{\"productId\":\"p2\"},{\"productId\":\"p3\"}]"))
                .on("/products/p1", json("{\"id\":\"p1\"}").after(MS_200))
                .on("/products/p2", json("{\"id\":\"p2\"}").after(MS_200))
                .on("/products/p3", json("{\"id\":\"p3\"}").after(MS_200));
        serve(Aggregator.builder()
                .part("orders", Part.get(service, "/orders"))
                .part("products", Part.get(service, "/products/{each}").forEach("orders.productId", 2))
                .build());
        get("/agg/1");
        backend.received().clear();

        long start = System.nanoTime();
        HttpResponse<String> response = get("/agg/1");
        long took = millis(start);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(body(response).getAsJsonArray("products").toString()).isEqualTo("[{\"id\":\"p1\"},{\"id\":\"p2\"}]");
        assertThat(response.headers().firstValue("X-Gateway-Partial")).as("p3 was left out").hasValue("true");
        assertThat(backend.received("/products/p3")).isEmpty();
        assertThat(took).as("two calls in parallel").isLessThan(380);
    }

    @Test
    void aFanOutOverAnEmptyArrayMakesNoCallAndIsComplete() throws Exception {
        backend.on("/orders", json("[]"));
        serve(Aggregator.builder()
                .part("orders", Part.get(service, "/orders"))
                .part("products", Part.get(service, "/products/{each}").forEach("orders.productId", 5))
                .build());

        HttpResponse<String> response = get("/agg/1");

        assertThat(response.body()).isEqualTo("{\"orders\":[],\"products\":[]}");
        assertThat(response.headers().firstValue("X-Gateway-Partial")).isEmpty();
    }

    @Test
    void anOptionalPartPastItsOwnTimeoutIsNullAndTheAnswerComesAtThatTimeout() throws Exception {
        backend.on("/fast", json("{\"ok\":true}")).on("/slow", json("{}").after(Duration.ofSeconds(2)));
        serve(Aggregator.builder()
                .part("fast", Part.get(service, "/fast"))
                .part("slow", Part.get(service, "/slow").optional().timeout(Duration.ofMillis(300)))
                .build());

        long start = System.nanoTime();
        HttpResponse<String> response = get("/agg/1");
        long took = millis(start);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"fast\":{\"ok\":true},\"slow\":null}");
        assertThat(response.headers().firstValue("X-Gateway-Partial")).hasValue("true");
        assertThat(took).isGreaterThanOrEqualTo(290).isLessThan(1500);
    }

    @Test
    void theDeadlineAnswersWithWhatArrivedAndCancelsTheRest() throws Exception {
        backend.on("/fast", json("{\"ok\":true}")).on("/slow", json("{}").after(Duration.ofSeconds(3)));
        serve(Aggregator.builder()
                .part("fast", Part.get(service, "/fast"))
                .part("slow", Part.get(service, "/slow").optional())
                .deadline(Duration.ofMillis(400))
                .build());

        long start = System.nanoTime();
        HttpResponse<String> response = get("/agg/1");
        long took = millis(start);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"fast\":{\"ok\":true},\"slow\":null}");
        assertThat(response.headers().firstValue("X-Gateway-Partial")).hasValue("true");
        assertThat(took).isGreaterThanOrEqualTo(390).isLessThan(2000);
        awaitOutcome(CallOutcome.Kind.CANCELLED);
    }

    /** The JDK's one timeout thread serves every orTimeout in the process: an answer made there would hold up all. */
    @Test
    void theAnswerAtTheDeadlineIsNotMadeOnTheJdksTimeoutThread() throws Exception {
        backend.on("/fast", json("1")).on("/slow", json("2").after(Duration.ofSeconds(3)));
        AtomicReference<String> combinedOn = new AtomicReference<>();
        serve(Aggregator.builder()
                .part("fast", Part.get(service, "/fast"))
                .part("slow", Part.get(service, "/slow").optional())
                .deadline(Duration.ofMillis(300))
                .combiner(parts -> {
                    combinedOn.set(Thread.currentThread().getName());
                    return new JsonPrimitive(parts.size());
                })
                .build());

        HttpResponse<String> response = get("/agg/1");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(combinedOn.get()).isNotNull().doesNotContain("Delay");
    }

    @Test
    void theDeadlineDefaultsToTheRouteTimeout() throws Exception {
        backend.on("/fast", json("1")).on("/slow", json("2").after(Duration.ofSeconds(3)));
        gateway = PorticoServer.start(Gateway.builder()
                .route(Route.get("/agg/{id}").timeout(Duration.ofMillis(400)).handler(Aggregator.builder()
                        .part("fast", Part.get(service, "/fast"))
                        .part("slow", Part.get(service, "/slow").optional())
                        .build()))
                .build(), "127.0.0.1", 0);

        long start = System.nanoTime();
        HttpResponse<String> response = get("/agg/1");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"fast\":1,\"slow\":null}");
        assertThat(millis(start)).isLessThan(2000);
    }

    @Test
    void aRequiredPartPastTheDeadlineIs504Json() throws Exception {
        backend.on("/fast", json("1")).on("/slow", json("2").after(Duration.ofSeconds(3)));
        serve(Aggregator.builder()
                .part("fast", Part.get(service, "/fast"))
                .part("slow", Part.get(service, "/slow"))
                .deadline(Duration.ofMillis(300))
                .build());

        HttpResponse<String> response = get("/agg/1");

        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(body(response).get("error").getAsString()).isEqualTo("gateway_timeout");
        assertThat(body(response).get("message").getAsString()).contains("part slow timed out");
    }

    @Test
    void aFailedRequiredPartIs502JsonAtOnceAndCancelsTheOthers() throws Exception {
        backend.on("/user", json("{}").status(503)).on("/slow", json("{}").after(Duration.ofSeconds(3)));
        serve(Aggregator.builder()
                .part("user", Part.get(service, "/user"))
                .part("slow", Part.get(service, "/slow").optional())
                .build());

        long start = System.nanoTime();
        HttpResponse<String> response = get("/agg/1");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(body(response).get("error").getAsString()).isEqualTo("bad_gateway");
        assertThat(body(response).get("message").getAsString())
                .isEqualTo("part user failed: upstream service answered 503");
        assertThat(millis(start)).isLessThan(2000);
        awaitOutcome(CallOutcome.Kind.CANCELLED);
    }

    @Test
    void anOptionalFailedPartIsNullOrOmittedAndMarksTheAnswerPartial() throws Exception {
        backend.on("/user", json("{\"id\":1}")).on("/ads", json("{}").status(500));
        serve(Aggregator.builder()
                .part("user", Part.get(service, "/user"))
                .part("ads", Part.get(service, "/ads").optional())
                .build());

        HttpResponse<String> withNull = get("/agg/1");
        assertThat(withNull.statusCode()).isEqualTo(200);
        assertThat(withNull.body()).isEqualTo("{\"user\":{\"id\":1},\"ads\":null}");
        assertThat(withNull.headers().firstValue("X-Gateway-Partial")).hasValue("true");

        gateway.stop(Duration.ZERO);
        serve(Aggregator.builder()
                .part("user", Part.get(service, "/user"))
                .part("ads", Part.get(service, "/ads").optional())
                .omitFailedParts()
                .build());
        HttpResponse<String> omitted = get("/agg/1");
        assertThat(omitted.body()).isEqualTo("{\"user\":{\"id\":1}}");
        assertThat(omitted.headers().firstValue("X-Gateway-Partial")).hasValue("true");
    }

    @Test
    void everyPartFailedIs502() throws Exception {
        backend.on("/a", json("{}").status(500)).on("/b", json("not json"));
        serve(Aggregator.builder()
                .part("a", Part.get(service, "/a").optional())
                .part("b", Part.get(service, "/b").optional())
                .build());

        HttpResponse<String> response = get("/agg/1");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(body(response).get("message").getAsString()).isEqualTo("every part failed");
    }

    @Test
    void everyPartTimedOutIs504() throws Exception {
        backend.on("/a", json("1").after(Duration.ofSeconds(2))).on("/b", json("2").after(Duration.ofSeconds(2)));
        serve(Aggregator.builder()
                .part("a", Part.get(service, "/a").optional().timeout(Duration.ofMillis(200)))
                .part("b", Part.get(service, "/b").optional())
                .deadline(Duration.ofMillis(400))
                .build());

        HttpResponse<String> response = get("/agg/1");

        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(body(response).get("error").getAsString()).isEqualTo("gateway_timeout");
        assertThat(body(response).get("message").getAsString()).isEqualTo("every part timed out");
    }

    @Test
    void a404PartIsNullWhenItSaysSoAndFailedOtherwise() throws Exception {
        backend.on("/a", json("1"));
        serve(Aggregator.builder()
                .part("a", Part.get(service, "/a"))
                .part("missing", Part.get(service, "/missing").notFoundIsNull())
                .part("strict", Part.get(service, "/missing").optional())
                .build());

        HttpResponse<String> response = get("/agg/1");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"a\":1,\"missing\":null,\"strict\":null}");
        assertThat(response.headers().firstValue("X-Gateway-Partial")).as("strict failed").hasValue("true");
    }

    @Test
    void aNotFoundNullPartAloneIsACompleteAnswer() throws Exception {
        backend.on("/a", json("1"));
        serve(Aggregator.builder()
                .part("a", Part.get(service, "/a"))
                .part("missing", Part.get(service, "/missing").notFoundIsNull())
                .build());

        HttpResponse<String> response = get("/agg/1");

        assertThat(response.body()).isEqualTo("{\"a\":1,\"missing\":null}");
        assertThat(response.headers().firstValue("X-Gateway-Partial")).isEmpty();
    }

    @Test
    void aPartOverItsBodyBoundFailsWithAClearMessageWhateverTheFraming() throws Exception {
        String big = "{\"x\":\"" + "y".repeat(300) + "\"}";
        backend.on("/sized", json(big)).on("/chunked", json(big).inChunks()).on("/ok", json("1"));
        serve(Aggregator.builder()
                .part("ok", Part.get(service, "/ok"))
                .part("sized", Part.get(service, "/sized").optional().maxBodySize(100))
                .part("chunked", Part.get(service, "/chunked").optional().maxBodySize(100))
                .build());

        HttpResponse<String> response = get("/agg/1");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"ok\":1,\"sized\":null,\"chunked\":null}");

        gateway.stop(Duration.ZERO);
        serve(Aggregator.builder().part("chunked", Part.get(service, "/chunked").maxBodySize(100)).build());
        HttpResponse<String> required = get("/agg/1");
        assertThat(required.statusCode()).isEqualTo(502);
        assertThat(body(required).get("message").getAsString())
                .isEqualTo("part chunked failed: the response of upstream service exceeds 100 bytes");
    }

    @Test
    void theDefaultBodyBoundIsOneMebibyte() throws Exception {
        backend.on("/big", json("\"" + "y".repeat(1024 * 1024) + "\"").inChunks())
                .on("/fits", json("\"" + "y".repeat(1024 * 1024 - 2) + "\""));
        serve(Aggregator.builder()
                .part("big", Part.get(service, "/big").optional())
                .part("fits", Part.get(service, "/fits").optional().shape(
                        dev.portico.core.aggregate.Shape.builder().then(value ->
                                new com.google.gson.JsonPrimitive(value.getAsString().length())).build()))
                .build());

        HttpResponse<String> response = get("/agg/1");

        assertThat(response.body()).isEqualTo("{\"big\":null,\"fits\":1048574}");
    }

    @Test
    void invalidJsonFailsThePart() throws Exception {
        backend.on("/bad", json("{\"a\":")).on("/trailing", json("{} {}")).on("/bare", json("hello"))
                .on("/ok", json("{\"a\":1}"));
        serve(Aggregator.builder()
                .part("ok", Part.get(service, "/ok"))
                .part("bad", Part.get(service, "/bad").optional())
                .part("trailing", Part.get(service, "/trailing").optional())
                .part("bare", Part.get(service, "/bare").optional())
                .build());

        HttpResponse<String> response = get("/agg/1");

        assertThat(response.body()).isEqualTo("{\"ok\":{\"a\":1},\"bad\":null,\"trailing\":null,\"bare\":null}");

        gateway.stop(Duration.ZERO);
        serve(Aggregator.builder().part("bad", Part.get(service, "/bad")).build());
        assertThat(body(get("/agg/1")).get("message").getAsString())
                .isEqualTo("part bad failed: upstream service answered invalid JSON");
    }

    @Test
    void anUnreachableUpstreamIsAFailedPart() throws Exception {
        backend.on("/ok", json("1"));
        Upstream down = Upstream.of("down", "http://127.0.0.1:1");
        serve(Aggregator.builder()
                .part("ok", Part.get(service, "/ok"))
                .part("down", Part.get(down, "/x").optional())
                .build());

        HttpResponse<String> response = get("/agg/1");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"ok\":1,\"down\":null}");
        assertThat(response.body()).doesNotContain("127.0.0.1");
    }

    private void awaitOutcome(CallOutcome.Kind kind) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (outcomes.stream().noneMatch(outcome -> outcome.kind() == kind) && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertThat(outcomes).extracting(CallOutcome::kind).contains(kind);
    }
}
