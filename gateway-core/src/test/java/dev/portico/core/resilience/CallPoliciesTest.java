package dev.portico.core.resilience;

import dev.portico.core.Body;
import dev.portico.core.Filter;
import dev.portico.core.Gateway;
import dev.portico.core.GatewayException;
import dev.portico.core.Http;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.spi.CallOptions;
import dev.portico.core.spi.Exchanges;
import dev.portico.core.spi.GatewayExchange;
import dev.portico.core.spi.UpstreamClient;
import dev.portico.core.upstream.CallOutcome;
import dev.portico.core.upstream.Endpoint;
import dev.portico.core.upstream.LoadBalancer;
import dev.portico.core.upstream.SendOptions;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static dev.portico.core.Http.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/** The attempt loop against an in-memory transport: retries, budget, breaker, request cap and 5xx mapping. */
class CallPoliciesTest {

    private static final RetryPolicy AT_ONCE = RetryPolicy.builder().backoff(Duration.ZERO, Duration.ZERO).build();

    /** A transport that answers from a queue (a pending stage when empty) and records each call. */
    private static final class Scripted implements UpstreamClient {
        record Call(Endpoint endpoint, Request request, CallOptions options, CompletableFuture<Response> answer) {
        }

        final Deque<CompletionStage<Response>> answers = new ArrayDeque<>();
        final List<Call> calls = new CopyOnWriteArrayList<>();
        final List<String> sentOn = new CopyOnWriteArrayList<>();
        final ExecutorService io = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "scripted-io");
            thread.setDaemon(true);
            return thread;
        });

        Scripted answer(Response response) {
            answers.add(CompletableFuture.completedFuture(response));
            return this;
        }

        Scripted fail(Throwable failure) {
            answers.add(CompletableFuture.failedFuture(failure));
            return this;
        }

        @Override
        public synchronized CompletionStage<Response> send(Endpoint endpoint, Request request, CallOptions options) {
            CompletableFuture<Response> answer = answers.isEmpty() ? new CompletableFuture<>()
                    : answers.poll().toCompletableFuture();
            calls.add(new Call(endpoint, request, options, answer));
            sentOn.add(Thread.currentThread().getName());
            return answer;
        }

        @Override
        public Executor executor() {
            return io;
        }
    }

    /** A body that notes whether it was discarded. */
    private static final class Tracked implements Body {
        final AtomicBoolean discarded = new AtomicBoolean();
        private final Body bytes;

        Tracked(String text) {
            bytes = Body.of(text);
        }

        @Override
        public long length() {
            return bytes.length();
        }

        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
            bytes.subscribe(subscriber);
        }

        @Override
        public boolean isBuffered() {
            return true;
        }

        @Override
        public CompletionStage<Void> discard() {
            discarded.set(true);
            return CompletableFuture.completedFuture(null);
        }
    }

    private final Scripted client = new Scripted();

    private static Upstream twoInstances() {
        return Upstream.of("app", "http://10.0.0.1:80", "http://10.0.0.2:80");
    }

    private static Response status(int status, Body body) {
        return Response.builder(status).body(body).build();
    }

    private Response send(Route.Builder route, Request request) {
        return Http.send(Gateway.builder().route(route).build(), request, client);
    }

    @Test
    void retriesA503OnTheOtherInstanceAndDiscardsTheRetriedBody() {
        Tracked first = new Tracked("busy");
        client.answer(status(503, first)).answer(status(200, Body.of("ok")));

        Response response = send(Route.get("/a").retries(AT_ONCE).to(twoInstances()), Http.get("/a"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(Http.text(response)).isEqualTo("ok");
        assertThat(client.calls).hasSize(2);
        assertThat(client.calls.get(0).endpoint()).isNotEqualTo(client.calls.get(1).endpoint());
        assertThat(first.discarded).isTrue();
    }

    @Test
    void retriesTransportFailuresButNotOtherErrors() {
        client.fail(GatewayException.badGateway("upstream app refused the connection"))
                .fail(GatewayException.gatewayTimeout("upstream app did not answer"))
                .answer(status(200, Body.of("third")));

        Response response = send(Route.get("/a").retries(AT_ONCE).to(twoInstances()), Http.get("/a"));

        assertThat(Http.text(response)).isEqualTo("third");
        assertThat(client.calls).hasSize(3);

        client.calls.clear();
        client.fail(GatewayException.payloadTooLarge(10));
        assertError(send(Route.get("/a").retries(AT_ONCE).to(twoInstances()), Http.get("/a")), 413, "payload_too_large");
        assertThat(client.calls).hasSize(1);
    }

    @Test
    void givesUpAfterMaxAttemptsWithTheLastAnswerAsItWas() {
        Tracked last = new Tracked("third");
        client.answer(status(503, Body.of("1"))).answer(status(502, Body.of("2"))).answer(status(503, last));

        Response response = send(Route.get("/a").retries(AT_ONCE).to(twoInstances()), Http.get("/a"));

        assertThat(response.status()).isEqualTo(503);
        assertThat(Http.text(response)).isEqualTo("third");
        assertThat(last.discarded).isFalse();
        assertThat(client.calls).hasSize(3);
    }

    @Test
    void doesNotRetryStatusesOutsideThePolicy() {
        client.answer(status(500, Body.of("boom")));

        Response response = send(Route.get("/a").retries(AT_ONCE).to(twoInstances()), Http.get("/a"));

        assertThat(response.status()).isEqualTo(500);
        assertThat(client.calls).hasSize(1);
    }

    @Test
    void doesNotRetryAPostByDefault() {
        client.answer(status(503, Body.empty()));

        Response response = send(Route.post("/a").retries(AT_ONCE).to(twoInstances()),
                Http.request("POST", "/a").body(Body.of("order")).build());

        assertThat(response.status()).isEqualTo(503);
        assertThat(client.calls).hasSize(1);
    }

    @Test
    void retriesAPostWhenAllowedAndItsBodyIsBuffered() {
        client.answer(status(503, Body.empty())).answer(status(200, Body.empty()));
        RetryPolicy posts = RetryPolicy.builder().backoff(Duration.ZERO, Duration.ZERO).nonIdempotent(true).build();

        Response response = send(Route.post("/a").retries(posts).to(twoInstances()),
                Http.request("POST", "/a").body(Body.of("order")).build());

        assertThat(response.status()).isEqualTo(200);
        assertThat(client.calls).hasSize(2);
        assertThat(client.calls).allSatisfy(call -> assertThat(Http.text(call.request().body())).isEqualTo("order"));
    }

    @Test
    void neverRetriesAStreamedBodyThatCannotBeSentAgain() {
        client.answer(status(503, Body.empty()));
        RetryPolicy posts = RetryPolicy.builder().backoff(Duration.ZERO, Duration.ZERO).nonIdempotent(true).build();
        Body streamed = Body.of(subscriber -> Body.of("order").subscribe(subscriber), 5);

        Response response = send(Route.put("/a").retries(posts).to(twoInstances()),
                Http.request("PUT", "/a").body(streamed).build());

        assertThat(response.status()).isEqualTo(503);
        assertThat(client.calls).hasSize(1);
    }

    @Test
    void sendOptionsOverrideTheRoutesRetries() {
        Upstream app = twoInstances();
        client.answer(status(503, Body.empty()));

        Response response = send(Route.get("/a").retries(AT_ONCE).handler((request, context) ->
                context.send(app, request, SendOptions.builder().retries(RetryPolicy.none()).build())), Http.get("/a"));

        assertThat(response.status()).isEqualTo(503);
        assertThat(client.calls).hasSize(1);
    }

    @Test
    void aRetryRefusedByTheBudgetLeavesTheLastAnswer() {
        Upstream app = Upstream.builder("app").instance("http://10.0.0.1:80").instance("http://10.0.0.2:80")
                .retryBudget(RetryBudget.of(0, 0)).build();
        client.answer(status(503, Body.of("busy")));

        Response response = send(Route.get("/a").retries(AT_ONCE).to(app), Http.get("/a"));

        assertThat(response.status()).isEqualTo(503);
        assertThat(Http.text(response)).isEqualTo("busy");
        assertThat(client.calls).hasSize(1);
        assertThat(app.activeRequests()).isZero();
    }

    @Test
    void attemptsShareTheRoutesTimeoutAndEachGetsThePerTryTimeout() throws Exception {
        RetryPolicy policy = RetryPolicy.builder().backoff(Duration.ZERO, Duration.ZERO)
                .perTryTimeout(Duration.ofMillis(50)).build();
        Gateway gateway = Gateway.builder().route(Route.get("/a").timeout(Duration.ofMillis(300)).retries(policy)
                .to(twoInstances())).build();
        long started = System.nanoTime();

        GatewayExchange exchange = Exchanges.start(gateway, Http.get("/a"), Http.CLIENT, Http.LISTENER, client);
        Response response = exchange.response().toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertError(response, 504, "gateway_timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(client.calls).hasSize(1);
        assertThat(client.calls.get(0).options().responseTimeout()).isEqualTo(Duration.ofMillis(50));
        CompletableFuture<Response> aborted = client.calls.get(0).answer();
        assertThat(aborted).as("the attempt in flight was aborted as timed out, not cancelled")
                .isCompletedExceptionally().isNotCancelled();
        assertThat(aborted.handle((answer, failure) -> failure).join()).isInstanceOfSatisfying(GatewayException.class,
                e -> assertThat(e.status()).isEqualTo(504));
    }

    @Test
    void aCallThatCannotBeRetriedIsNotCutByTheRoutesTimeoutWhileItsBodyStreams() throws Exception {
        Body streamed = Body.of(subscriber -> Body.of("a long upload").subscribe(subscriber), 13);
        Gateway gateway = Gateway.builder().route(Route.put("/a").timeout(Duration.ofMillis(100)).retries(AT_ONCE)
                .to(twoInstances())).build();

        GatewayExchange exchange = Exchanges.start(gateway, Http.request("PUT", "/a").body(streamed).build(),
                Http.CLIENT, Http.LISTENER, client);
        Thread.sleep(400); // the upload outlasts the route's timeout; the transport's own timeouts bound the call
        client.calls.get(0).answer().complete(Response.of(201));

        assertThat(exchange.response().toCompletableFuture().get(10, TimeUnit.SECONDS).status()).isEqualTo(201);
        assertThat(client.calls.get(0).options().responseTimeout()).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void whatTheTimerStartsRunsOnTheTransportsExecutorNotOnTheTimerThread() throws Exception {
        AtomicReference<String> answeredOn = new AtomicReference<>();
        Filter notes = (request, chain) -> chain.proceed(request)
                .whenComplete((response, failure) -> answeredOn.set(Thread.currentThread().getName()));
        RetryPolicy backingOff = RetryPolicy.builder().backoff(Duration.ofMillis(20), Duration.ofMillis(20)).build();
        Gateway gateway = Gateway.builder().route(Route.get("/a").timeout(Duration.ofMillis(500)).retries(backingOff)
                .filter(notes).to(twoInstances())).build();
        client.answer(status(503, Body.empty())); // then no answer: the deadline ends the call

        GatewayExchange exchange = Exchanges.start(gateway, Http.get("/a"), Http.CLIENT, Http.LISTENER, client);

        assertError(exchange.response().toCompletableFuture().get(10, TimeUnit.SECONDS), 504, "gateway_timeout");
        assertThat(client.sentOn).hasSize(2);
        assertThat(client.sentOn.get(1)).as("the retry after its backoff").isEqualTo("scripted-io");
        assertThat(answeredOn.get()).as("the deadline's 504 and what depends on it").isEqualTo("scripted-io");
    }

    @Test
    void aBackoffNeverOutlastsTheDeadline() {
        RetryPolicy slowBackoff = RetryPolicy.builder().backoff(Duration.ofSeconds(60), Duration.ofSeconds(60)).build();
        client.answer(status(503, Body.of("busy")));
        long started = System.nanoTime();

        // a backoff drawn past the 2 s deadline is not waited for (the 503 stands); one drawn inside it (1 in 30)
        // leads to a retry that the deadline ends with 504
        Response response = send(Route.get("/a").timeout(Duration.ofSeconds(2)).retries(slowBackoff).to(twoInstances()),
                Http.get("/a"));

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(8));
        assertThat(response.status()).isIn(503, 504);
        assertThat(client.calls).hasSizeBetween(1, 2);
    }

    @Test
    void replacesA5xxWithTheGateways502AndDiscardsItsBody() {
        Tracked body = new Tracked("stack trace");
        client.answer(status(500, body));

        Response response = send(Route.get("/a").upstreamErrors(UpstreamErrors.REPLACE).to(twoInstances()), Http.get("/a"));

        assertThat(Http.assertError(response, 502, "bad_gateway").get("message").getAsString())
                .isEqualTo("upstream app answered 500");
        assertThat(body.discarded).isTrue();
        client.answer(status(404, Body.of("nope")));
        assertThat(Http.text(send(Route.get("/a").upstreamErrors(UpstreamErrors.REPLACE).to(twoInstances()),
                Http.get("/a")))).isEqualTo("nope");
    }

    @Test
    void passesA5xxThroughByDefault() {
        client.answer(status(500, Body.of("stack trace")));

        Response response = send(Route.get("/a").to(twoInstances()), Http.get("/a"));

        assertThat(response.status()).isEqualTo(500);
        assertThat(Http.text(response)).isEqualTo("stack trace");
    }

    @Test
    void anOpenBreakerAnswers503WithRetryAfterWithoutCallingTheUpstream() {
        AtomicLong now = new AtomicLong();
        CircuitBreaker breaker = CircuitBreaker.builder().window(2, 2).openFor(Duration.ofMillis(2500))
                .ticker(now::get).build();
        Upstream app = Upstream.builder("app").instance("http://10.0.0.1:80").circuitBreaker(breaker).build();
        client.answer(status(500, Body.empty())).fail(GatewayException.badGateway("reset"));
        Route.Builder route = Route.get("/a").to(app);

        assertThat(send(route, Http.get("/a")).status()).isEqualTo(500);
        assertThat(send(route, Http.get("/a")).status()).isEqualTo(502);
        Response refused = send(route, Http.get("/a"));

        assertError(refused, 503, "service_unavailable");
        assertThat(refused.header("Retry-After")).isEqualTo("3");
        assertThat(client.calls).hasSize(2);
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);

        now.addAndGet(Duration.ofMillis(2500).toNanos());
        client.answer(status(200, Body.empty()));
        assertThat(send(route, Http.get("/a")).status()).isEqualTo(200);
        assertThat(breaker.state()).as("one good trial of three").isEqualTo(CircuitBreaker.State.HALF_OPEN);
    }

    @Test
    void anOpenBreakerAnswersWithItsFallback() {
        CircuitBreaker breaker = CircuitBreaker.builder().window(1, 1)
                .fallback(Response.json(200, "{\"items\":[]}")).build();
        Upstream app = Upstream.builder("app").instance("http://10.0.0.1:80").circuitBreaker(breaker).build();
        client.answer(status(503, Body.empty()));

        send(Route.get("/a").to(app), Http.get("/a"));
        Response fallback = send(Route.get("/a").to(app), Http.get("/a"));

        assertThat(Http.text(fallback)).isEqualTo("{\"items\":[]}");
        assertThat(client.calls).hasSize(1);
    }

    @Test
    void aBreakerThatOpensBetweenAttemptsStopsTheRetriesWithTheLastAnswer() {
        CircuitBreaker breaker = CircuitBreaker.builder().window(1, 1).build();
        Upstream app = Upstream.builder("app").instance("http://10.0.0.1:80").instance("http://10.0.0.2:80")
                .circuitBreaker(breaker).build();
        client.answer(status(503, Body.of("busy")));

        Response response = send(Route.get("/a").retries(AT_ONCE).to(app), Http.get("/a"));

        assertThat(response.status()).isEqualTo(503);
        assertThat(Http.text(response)).isEqualTo("busy");
        assertThat(client.calls).hasSize(1);
    }

    @Test
    void aBalancerThatThrowsEndsTheCallWith500AndFreesItsSlot() {
        Upstream app = Upstream.builder("app").instance("http://10.0.0.1:80").maxConcurrentRequests(1)
                .loadBalancer((endpoints, request, context) -> {
                    throw new IllegalStateException("a bug");
                }).build();

        Response response = send(Route.get("/a").retries(AT_ONCE).to(app), Http.get("/a"));

        assertError(response, 500, "internal_error");
        assertThat(app.activeRequests()).isZero();
        assertThat(client.calls).isEmpty();
    }

    @Test
    void anAttemptThatFailsToStartAfterItsChoiceStillEndsWithAFinalOutcome() {
        List<CallOutcome> heard = new CopyOnWriteArrayList<>();
        UpstreamClient broken = (endpoint, request, options) -> {
            throw new IllegalStateException("the transport is shut down");
        };
        for (boolean policies : new boolean[] {false, true}) {
            heard.clear();
            Upstream.Builder app = Upstream.builder("app").instance("http://10.0.0.1:80")
                    .loadBalancer(LoadBalancer.leastRequest()).listener(heard::add);
            if (policies) {
                app.maxConcurrentRequests(10);
            }

            Response response = Http.send(Gateway.builder().route(Route.get("/a").to(app.build())).build(),
                    Http.get("/a"), broken);

            assertError(response, 500, "internal_error");
            assertThat(heard).as("policies: %s", policies).singleElement().satisfies(outcome -> {
                assertThat(outcome.isFinal()).as("ends the attempt a balancer counts").isTrue();
                assertThat(outcome.kind()).as("no verdict on the instance").isEqualTo(CallOutcome.Kind.CANCELLED);
            });
        }
    }

    @Test
    void overTheUpstreamsRequestCapACallGets503AtOnce() throws Exception {
        Upstream app = Upstream.builder("app").instance("http://10.0.0.1:80").maxConcurrentRequests(1).build();
        Gateway gateway = Gateway.builder().route(Route.get("/a").to(app)).build();

        GatewayExchange first = Exchanges.start(gateway, Http.get("/a"), Http.CLIENT, Http.LISTENER, client);
        Response shed = Http.send(gateway, Http.get("/a"), client);

        assertThat(assertError(shed, 503, "service_unavailable").get("message").getAsString())
                .isEqualTo("upstream app is at its request limit");
        assertThat(client.calls).hasSize(1);
        assertThat(app.activeRequests()).isEqualTo(1);

        client.calls.get(0).answer().complete(Response.of(200));
        assertThat(first.response().toCompletableFuture().get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(app.activeRequests()).isZero();
        client.answer(Response.of(204));
        assertThat(Http.send(gateway, Http.get("/a"), client).status()).isEqualTo(204);
    }
}
