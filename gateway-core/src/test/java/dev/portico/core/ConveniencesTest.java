package dev.portico.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static dev.portico.core.Http.assertError;
import static dev.portico.core.Http.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The factories users reach for first: text and JSON responses, synchronous handlers and common errors. */
class ConveniencesTest {

    record User(String name, List<String> roles) {
    }

    @Test
    void textResponseIsPlainUtf8() {
        Response response = Response.text(200, "café");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("Content-Type")).isEqualTo("text/plain; charset=utf-8");
        assertThat(text(response)).isEqualTo("café");
    }

    @Test
    void jsonResponseSerializesAValueWithGson() {
        Response response = Response.json(201, new User("ann", List.of("admin")));

        assertThat(response.status()).isEqualTo(201);
        assertThat(response.header("Content-Type")).isEqualTo("application/json");
        assertThat(text(response)).isEqualTo("{\"name\":\"ann\",\"roles\":[\"admin\"]}");
        assertThat(text(Response.json(200, Map.of("n", 1)))).isEqualTo("{\"n\":1}");
    }

    @Test
    void jsonResponseTakesAStringAsRawJsonWhateverItsStaticType() {
        Object raw = "{\"status\":\"UP\"}";

        assertThat(text(Response.json(200, "{\"status\":\"UP\"}"))).isEqualTo("{\"status\":\"UP\"}");
        assertThat(text(Response.json(200, raw))).isEqualTo("{\"status\":\"UP\"}");
    }

    @Test
    void responseFactoriesRejectNull() {
        assertThatThrownBy(() -> Response.text(200, null)).hasMessage("text");
        assertThatThrownBy(() -> Response.json(200, (Object) null)).hasMessage("value");
        assertThatThrownBy(() -> Response.json(200, (String) null)).hasMessage("json");
    }

    @Test
    void syncHandlerCompletesWithWhatItReturns() {
        Gateway gateway = Gateway.builder()
                .route(Route.get("/users/{id}").handler(Handler.sync((request, context) ->
                        Response.text(200, "user " + context.pathParam("id")))))
                .build();

        Response response = Http.send(gateway, Http.get("/users/42"), new RecordingUpstreamClient());

        assertThat(text(response)).isEqualTo("user 42");
    }

    @Test
    void syncHandlerFailsItsStageWithWhatItThrows() {
        GatewayException denied = GatewayException.forbidden("not yours");
        Handler handler = Handler.sync((request, context) -> {
            throw denied;
        });

        CompletableFuture<Response> stage = handler.handle(Http.get("/"), null).toCompletableFuture();

        assertThat(stage).isCompletedExceptionally();
        assertThatThrownBy(stage::join).isInstanceOf(CompletionException.class).hasCause(denied);
    }

    @Test
    void syncHandlerThatThrowsAGatewayExceptionAnswersWithIt() {
        Gateway gateway = Gateway.builder()
                .route(Route.get("/admin").handler(Handler.sync((request, context) -> {
                    throw GatewayException.forbidden("admins only");
                })))
                .build();

        Response response = Http.send(gateway, Http.get("/admin"), new RecordingUpstreamClient());

        assertThat(assertError(response, 403, "forbidden").get("message").getAsString()).isEqualTo("admins only");
    }

    @Test
    void unauthorizedCarriesTheChallenge() {
        Response response = GatewayException.unauthorized("Bearer realm=\"api\"", "token expired").toResponse();

        assertThat(assertError(response, 401, "unauthorized").get("message").getAsString()).isEqualTo("token expired");
        assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"api\"");
    }

    @Test
    void forbiddenIs403() {
        Response response = GatewayException.forbidden("admins only").toResponse();

        assertError(response, 403, "forbidden");
        assertThat(response.header("WWW-Authenticate")).isNull();
    }

    @Test
    void tooManyRequestsGivesRetryAfterInWholeSecondsRoundedUp() {
        Response response = GatewayException.tooManyRequests(Duration.ofMillis(1500), "slow down").toResponse();

        assertError(response, 429, "too_many_requests");
        assertThat(response.header("Retry-After")).isEqualTo("2");
        assertThat(GatewayException.tooManyRequests(Duration.ofSeconds(3), "m").headers().get("Retry-After"))
                .isEqualTo("3");
        assertThat(GatewayException.tooManyRequests(Duration.ZERO, "m").headers().get("Retry-After")).isEqualTo("0");
        assertThat(GatewayException.tooManyRequests(Duration.ofNanos(1), "m").headers().get("Retry-After"))
                .isEqualTo("1");
    }

    @Test
    void tooManyRequestsRejectsANegativeWait() {
        assertThatThrownBy(() -> GatewayException.tooManyRequests(Duration.ofSeconds(-1), "m"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("retryAfter: PT-1S (expected: >= 0)");
    }
}
