package dev.portico.core;

import dev.portico.core.spi.CallOptions;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;

import static dev.portico.core.Http.assertError;
import static dev.portico.core.Http.get;
import static dev.portico.core.Http.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Body limits, the bounds handed to the transport, and upstream failures. */
class LimitsTest {

    private static final Upstream BACKEND = Upstream.of("backend", "http://backend:8080");
    private static final int MIB = 1024 * 1024;

    private final RecordingUpstreamClient upstream = new RecordingUpstreamClient();

    private static Request post(int bodyBytes) {
        return request("POST", "/upload").body(Body.of(new byte[bodyBytes])).build();
    }

    /** A streamed body whose length is announced but whose bytes never arrive. */
    private static Body streamed(long length) {
        return new Body() {
            @Override
            public long length() {
                return length;
            }

            @Override
            public boolean isBuffered() {
                return false;
            }

            @Override
            public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
                // the bytes never arrive
            }
        };
    }

    @Test
    void bodyOverTheRoutesLimitGets413BeforeTheUpstreamIsCalled() {
        Gateway gateway = Gateway.builder().route(Route.post("/upload").maxBodySize(10).to(BACKEND)).build();

        Response response = Http.send(gateway, post(11), upstream);

        assertThat(assertError(response, 413, "payload_too_large").get("message").getAsString()).contains("10");
        assertThat(upstream.callCount()).isZero();
    }

    @Test
    void bodyExactlyAtTheRoutesLimitIsForwarded() {
        Gateway gateway = Gateway.builder().route(Route.post("/upload").maxBodySize(10).to(BACKEND)).build();

        assertThat(Http.send(gateway, post(10), upstream).status()).isEqualTo(200);
        assertThat(upstream.takeRequest().body().length()).isEqualTo(10);
    }

    @Test
    void bodyOverTheDefaultOneMebibyteGets413() {
        Gateway gateway = Gateway.builder().route(Route.post("/upload").to(BACKEND)).build();

        assertError(Http.send(gateway, post(MIB + 1), upstream), 413, "payload_too_large");
        assertThat(upstream.callCount()).isZero();
        assertThat(Http.send(gateway, post(MIB), upstream).status()).isEqualTo(200);
        assertThat(upstream.callCount()).isEqualTo(1);
    }

    @Test
    void routeLimitOverridesTheGatewayDefaultBothWays() {
        Gateway gateway = Gateway.builder()
                .maxBodySize(100)
                .route(Route.post("/upload").maxBodySize(1000).to(BACKEND))
                .route(Route.post("/small").maxBodySize(5).to(BACKEND))
                .route(Route.post("/default").to(BACKEND))
                .build();

        assertThat(Http.send(gateway, post(500), upstream).status()).isEqualTo(200);
        assertError(Http.send(gateway, request("POST", "/small").body(Body.of(new byte[6])).build(), upstream),
                413, "payload_too_large");
        assertError(Http.send(gateway, request("POST", "/default").body(Body.of(new byte[101])).build(), upstream),
                413, "payload_too_large");
        assertThat(Http.send(gateway, request("POST", "/default").body(Body.of(new byte[100])).build(), upstream)
                .status()).isEqualTo(200);
    }

    @Test
    void zeroLimitRefusesAnyBody() {
        Gateway gateway = Gateway.builder().route(Route.post("/upload").maxBodySize(0).to(BACKEND)).build();

        assertError(Http.send(gateway, post(1), upstream), 413, "payload_too_large");
        assertThat(Http.send(gateway, request("POST", "/upload").build(), upstream).status()).isEqualTo(200);
    }

    @Test
    void announcedLengthOfAStreamedBodyIsCheckedBeforeReadingIt() {
        Gateway gateway = Gateway.builder().route(Route.post("/upload").maxBodySize(10).to(BACKEND)).build();

        Response response = Http.send(gateway, request("POST", "/upload").body(streamed(11)).build(), upstream);

        assertError(response, 413, "payload_too_large");
        assertThat(upstream.callCount()).isZero();
    }

    @Test
    void streamedBodyOfUnknownLengthIsLeftToTheTransportWithTheLimit() {
        Gateway gateway = Gateway.builder().route(Route.post("/upload").maxBodySize(10).to(BACKEND)).build();

        assertThat(Http.send(gateway, request("POST", "/upload").body(streamed(-1)).build(), upstream).status())
                .isEqualTo(200);
        assertThat(upstream.takeCall().options().maxRequestBody()).isEqualTo(10);
    }

    @Test
    void bufferedBodyReadOverItsLimitFailsWith413() {
        Body body = Body.of("hello");

        assertThatThrownBy(() -> body.bytes(4).toCompletableFuture().get())
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(413);
                    assertThat(e.error()).isEqualTo("payload_too_large");
                });
    }

    @Test
    void bufferedBodyReadAtItsLimitSucceedsAndIsRepeatable() throws Exception {
        Body body = Body.of("hello");

        assertThat(body.bytes(5).toCompletableFuture().get()).isEqualTo("hello".getBytes());
        assertThat(body.bytes(Long.MAX_VALUE).toCompletableFuture().get()).isEqualTo("hello".getBytes());
        assertThat(body.isBuffered()).isTrue();
        assertThat(body.length()).isEqualTo(5);
    }

    @Test
    void emptyBodyHasLengthZero() throws Exception {
        assertThat(Body.empty().length()).isZero();
        assertThat(Body.of(new byte[0]).length()).isZero();
        assertThat(Body.empty().bytes(0).toCompletableFuture().get()).isEmpty();
    }

    @Test
    void filterReadingABodyOverItsOwnLimitAnswers413() {
        Filter inspect = (request, chain) -> request.body().bytes(3)
                .thenCompose(bytes -> chain.proceed(request));
        Gateway gateway = Gateway.builder().route(Route.post("/upload").filter(inspect).to(BACKEND)).build();

        assertError(Http.send(gateway, post(4), upstream), 413, "payload_too_large");
        assertThat(upstream.callCount()).isZero();
    }

    @Test
    void callOptionsCarryTheRoutesTimeoutsAndBodyLimit() {
        Gateway gateway = Gateway.builder()
                .connectTimeout(Duration.ofSeconds(40))
                .timeout(Duration.ofSeconds(50))
                .maxBodySize(60)
                .route(Route.get("/a").connectTimeout(Duration.ofMillis(1500)).timeout(Duration.ofSeconds(2))
                        .maxBodySize(70).to(BACKEND))
                .build();

        Http.send(gateway, get("/a"), upstream);

        CallOptions options = upstream.takeCall().options();
        assertThat(options.upstream()).isEqualTo("backend");
        assertThat(options.connectTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(options.responseTimeout()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(options.maxRequestBody()).isEqualTo(70);
    }

    @Test
    void callOptionsFallBackToTheGatewayDefaults() {
        Gateway gateway = Gateway.builder()
                .connectTimeout(Duration.ofSeconds(3))
                .timeout(Duration.ofSeconds(40))
                .maxBodySize(500)
                .route(Route.get("/a").to(BACKEND))
                .build();

        Http.send(gateway, get("/a"), upstream);

        CallOptions options = upstream.takeCall().options();
        assertThat(options.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(options.responseTimeout()).isGreaterThan(Duration.ofSeconds(30)).isLessThanOrEqualTo(Duration.ofSeconds(40));
        assertThat(options.maxRequestBody()).isEqualTo(500);
    }

    @Test
    void builtInDefaultsAreFiveSecondsThirtySecondsAndOneMebibyte() {
        Gateway gateway = Gateway.builder().route(Route.get("/a").to(BACKEND)).build();

        Http.send(gateway, get("/a"), upstream);

        CallOptions options = upstream.takeCall().options();
        assertThat(options.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(options.responseTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(options.maxRequestBody()).isEqualTo(MIB);
        assertThat(gateway.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(gateway.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(gateway.maxBodySize()).isEqualTo(MIB);
    }

    @Test
    void theRouteTimeoutBoundsEachUpstreamCallWholeWhateverTheFiltersTook() throws Exception {
        Filter slow = (request, chain) -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return chain.proceed(request);
        };
        Gateway gateway = Gateway.builder().timeout(Duration.ofSeconds(60))
                .route(Route.get("/a").timeout(Duration.ofMillis(40)).filter(slow).to(BACKEND)).build();

        Http.send(gateway, get("/a"), upstream);

        assertThat(upstream.takeCall().options().responseTimeout())
                .as("the time to the response head, counted from the end of the request")
                .isEqualTo(Duration.ofMillis(40));
    }

    @Test
    void upstreamTimeoutGets504Json() {
        Gateway gateway = Gateway.builder().route(Route.get("/a").to(BACKEND)).build();
        upstream.enqueueFailure(GatewayException.gatewayTimeout("upstream backend did not answer in time"));

        Response response = Http.send(gateway, get("/a"), upstream);

        assertThat(assertError(response, 504, "gateway_timeout").get("message").getAsString())
                .isEqualTo("upstream backend did not answer in time");
    }

    @Test
    void unreachableUpstreamGets502Json() {
        Gateway gateway = Gateway.builder().route(Route.get("/a").to(BACKEND)).build();
        upstream.enqueueFailure(GatewayException.badGateway("upstream backend is unreachable"));

        assertError(Http.send(gateway, get("/a"), upstream), 502, "bad_gateway");
    }

    @Test
    void transportFailingWithAnythingElseGetsAGeneric500() {
        Gateway gateway = Gateway.builder().route(Route.get("/a").to(BACKEND)).build();
        upstream.enqueueFailure(new IOException("Connection refused: backend/10.9.8.7:8080"));

        Response response = Http.send(gateway, get("/a"), upstream);

        assertError(response, 500, "internal_error");
        assertThat(Http.text(response)).doesNotContain("refused", "10.9.8.7", "IOException");
    }

    @Test
    void upstreamFailureGoesBackThroughTheFilters() {
        Filter fallback = (request, chain) -> chain.proceed(request).exceptionally(failure ->
                Response.json(200, "{\"cached\":true}"));
        Gateway gateway = Gateway.builder().route(Route.get("/a").filter(fallback).to(BACKEND)).build();
        upstream.enqueueFailure(GatewayException.gatewayTimeout("late"));

        Response response = Http.send(gateway, get("/a"), upstream);

        assertThat(response.status()).isEqualTo(200);
        assertThat(Http.json(response).get("cached").getAsBoolean()).isTrue();
    }

    @Test
    void gatewayExceptionErrorBodyIsJsonWithEscapedMessage() {
        GatewayException error = new GatewayException(400, "bad_request", "quote \" and \\ and <tag>\n");

        Response response = error.toResponse();

        assertThat(response.status()).isEqualTo(400);
        assertThat(Http.json(response).get("message").getAsString()).isEqualTo("quote \" and \\ and <tag>\n");
    }

    @Test
    void gatewayExceptionsCarryNoStackTrace() {
        assertThat(GatewayException.badGateway("x").getStackTrace()).isEmpty();
        assertThatThrownBy(() -> new GatewayException(302, "found", "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("status: 302");
    }
}
