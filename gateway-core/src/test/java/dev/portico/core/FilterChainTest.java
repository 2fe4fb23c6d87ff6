package dev.portico.core;

import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static dev.portico.core.Http.assertError;
import static dev.portico.core.Http.get;
import static org.assertj.core.api.Assertions.assertThat;

/** The filter chain: order, short-circuit, retry, failures and shared attributes. */
class FilterChainTest {

    private static final Upstream BACKEND = Upstream.of("backend", "http://backend:8080");

    private final RecordingUpstreamClient upstream = new RecordingUpstreamClient();
    private final List<String> events = new CopyOnWriteArrayList<>();

    /** A filter that records when it starts and when the rest of the chain has answered. */
    private Filter recording(String name) {
        return (request, chain) -> {
            events.add(name + " before");
            return chain.proceed(request).thenApply(response -> {
                events.add(name + " after");
                return response;
            });
        };
    }

    private Handler recordingTarget() {
        return (request, context) -> {
            events.add("target");
            return CompletableFuture.completedFuture(Response.of(200));
        };
    }

    @Test
    void routeFiltersRunInListOrderOutermostFirst() {
        Gateway gateway = Gateway.builder()
                .route(Route.get("/a").filter(recording("one")).filter(recording("two")).filters(recording("three"))
                        .handler(recordingTarget()))
                .build();

        assertThat(Http.send(gateway, get("/a"), upstream).status()).isEqualTo(200);

        assertThat(events).containsExactly(
                "one before", "two before", "three before", "target", "three after", "two after", "one after");
    }

    @Test
    void globalFiltersWrapRouteFiltersWhichWrapTheTarget() {
        Gateway gateway = Gateway.builder()
                .filter(recording("global-1"))
                .route(Route.get("/a").filters(recording("route-1"), recording("route-2")).handler(recordingTarget()))
                .filter(recording("global-2"))
                .build();

        Http.send(gateway, get("/a"), upstream);

        assertThat(events).containsExactly(
                "global-1 before", "global-2 before", "route-1 before", "route-2 before", "target",
                "route-2 after", "route-1 after", "global-2 after", "global-1 after");
        assertThat(gateway.filters()).hasSize(2);
    }

    @Test
    void globalFiltersWrapTheUpstreamCall() {
        Gateway gateway = Gateway.builder()
                .filter(recording("global"))
                .route(Route.get("/a").filter(recording("route")).to(BACKEND))
                .build();
        upstream.enqueue(204);

        Response response = Http.send(gateway, get("/a"), upstream);

        assertThat(response.status()).isEqualTo(204);
        assertThat(upstream.callCount()).isEqualTo(1);
        assertThat(events).containsExactly("global before", "route before", "route after", "global after");
    }

    @Test
    void globalFiltersRunForEveryRouteButRouteFiltersOnlyForTheirOwn() {
        Gateway gateway = Gateway.builder()
                .filter(recording("global"))
                .route(Route.get("/a").filter(recording("a-only")).handler(recordingTarget()))
                .route(Route.get("/b").handler(recordingTarget()))
                .build();

        Http.send(gateway, get("/b"), upstream);

        assertThat(events).containsExactly("global before", "target", "global after");
    }

    @Test
    void filterThatNeverProceedsShortCircuitsWithoutCallingTheUpstream() {
        Filter deny = (request, chain) -> CompletableFuture.completedFuture(
                Response.error(401, "unauthorized", "a bearer token is required"));
        Gateway gateway = Gateway.builder()
                .filter(recording("outer"))
                .route(Route.get("/a").filters(deny, recording("inner")).to(BACKEND))
                .build();

        Response response = Http.send(gateway, get("/a"), upstream);

        assertError(response, 401, "unauthorized");
        assertThat(upstream.callCount()).isZero();
        assertThat(events).containsExactly("outer before", "outer after");
    }

    @Test
    void filterThatProceedsTwiceRetriesTheUpstream() {
        Filter retryOn503 = (request, chain) -> chain.proceed(request).thenCompose(first ->
                first.status() == 503 ? chain.proceed(request) : CompletableFuture.completedFuture(first));
        Gateway gateway = Gateway.builder()
                .route(Route.get("/a").filters(retryOn503, recording("inner")).to(BACKEND))
                .build();
        upstream.enqueue(503).enqueue(Response.builder(200).body(Body.of("second")).build());

        Response response = Http.send(gateway, get("/a"), upstream);

        assertThat(response.status()).isEqualTo(200);
        assertThat(Http.text(response)).isEqualTo("second");
        assertThat(upstream.callCount()).isEqualTo(2);
        assertThat(upstream.takeRequest().rawPath()).isEqualTo("/a");
        assertThat(upstream.takeRequest().rawPath()).isEqualTo("/a");
        assertThat(events).containsExactly("inner before", "inner after", "inner before", "inner after");
    }

    @Test
    void filterCanRetryWithADifferentRequest() {
        Filter fallback = (request, chain) -> chain.proceed(request).thenCompose(first -> first.status() == 404
                ? chain.proceed(request.toBuilder().rawPath("/fallback").build())
                : CompletableFuture.completedFuture(first));
        Gateway gateway = Gateway.builder().route(Route.get("/a").filter(fallback).to(BACKEND)).build();
        upstream.enqueue(404).enqueue(200);

        assertThat(Http.send(gateway, get("/a"), upstream).status()).isEqualTo(200);

        assertThat(upstream.takeRequest().rawPath()).isEqualTo("/a");
        assertThat(upstream.takeRequest().rawPath()).isEqualTo("/fallback");
    }

    @Test
    void filterCanChangeTheRequestAndTheResponse() {
        Filter tenant = (request, chain) -> chain.proceed(request.toBuilder().header("X-Tenant", "acme").build())
                .thenApply(response -> response.toBuilder().status(202).header("X-Seen", "yes").build());
        Gateway gateway = Gateway.builder().route(Route.get("/a").filter(tenant).to(BACKEND)).build();

        Response response = Http.send(gateway, get("/a"), upstream);

        assertThat(upstream.takeRequest().header("X-Tenant")).isEqualTo("acme");
        assertThat(response.status()).isEqualTo(202);
        assertThat(response.header("X-Seen")).isEqualTo("yes");
    }

    @Test
    void gatewayExceptionThrownSynchronouslyBecomesItsJsonError() {
        Filter forbid = (request, chain) -> {
            throw new GatewayException(403, "forbidden", "not allowed here");
        };
        Gateway gateway = Gateway.builder().route(Route.get("/a").filter(forbid).to(BACKEND)).build();

        Response response = Http.send(gateway, get("/a"), upstream);

        assertThat(assertError(response, 403, "forbidden").get("message").getAsString()).isEqualTo("not allowed here");
        assertThat(upstream.callCount()).isZero();
    }

    @Test
    void gatewayExceptionInAFailedStageBecomesItsJsonError() {
        Filter limit = (request, chain) -> CompletableFuture.failedFuture(new GatewayException(429, "too_many_requests",
                "slow down", Headers.of("Retry-After", "7")));
        Gateway gateway = Gateway.builder().route(Route.get("/a").filter(limit).to(BACKEND)).build();

        Response response = Http.send(gateway, get("/a"), upstream);

        assertThat(assertError(response, 429, "too_many_requests").get("message").getAsString()).isEqualTo("slow down");
        assertThat(response.header("Retry-After")).isEqualTo("7");
        assertThat(upstream.callCount()).isZero();
    }

    @Test
    void gatewayExceptionWrappedInCompletionExceptionIsUnwrapped() {
        Filter failing = (request, chain) -> chain.proceed(request).thenApply(response -> {
            throw GatewayException.serviceUnavailable("try later");
        });
        Gateway gateway = Gateway.builder().route(Route.get("/a").filter(failing).to(BACKEND)).build();

        Response response = Http.send(gateway, get("/a"), upstream);

        assertError(response, 503, "service_unavailable");
        assertThat(upstream.callCount()).isEqualTo(1);
    }

    @Test
    void outerFilterCanRecoverFromAnInnerGatewayException() {
        Filter recover = (request, chain) -> chain.proceed(request).exceptionally(failure -> Response.of(299));
        Filter fail = (request, chain) -> CompletableFuture.failedFuture(GatewayException.badGateway("down"));
        Gateway gateway = Gateway.builder().route(Route.get("/a").filters(recover, fail).to(BACKEND)).build();

        assertThat(Http.send(gateway, get("/a"), upstream).status()).isEqualTo(299);
    }

    @Test
    void unexpectedExceptionThrownByAFilterBecomesAGeneric500() {
        Filter buggy = (request, chain) -> {
            throw new IllegalStateException("db password is hunter2");
        };
        Gateway gateway = Gateway.builder().route(Route.get("/a").filter(buggy).to(BACKEND)).build();

        Response response = Http.send(gateway, get("/a"), upstream);

        assertError(response, 500, "internal_error");
        assertThat(Http.text(response)).doesNotContain("hunter2", "IllegalStateException", "password");
        assertThat(upstream.callCount()).isZero();
    }

    @Test
    void unexpectedExceptionInAFailedStageBecomesAGeneric500() {
        Filter buggy = (request, chain) -> CompletableFuture.failedFuture(new SecretDetailException("at 10.1.2.3:5432"));
        Gateway gateway = Gateway.builder().route(Route.get("/a").filter(buggy).to(BACKEND)).build();

        Response response = Http.send(gateway, get("/a"), upstream);

        assertError(response, 500, "internal_error");
        assertThat(Http.text(response)).doesNotContain("SecretDetail", "10.1.2.3", "5432");
    }

    @Test
    void unexpectedExceptionAfterProceedingBecomesAGeneric500() {
        Filter buggy = (request, chain) -> chain.proceed(request).thenApply(response -> {
            throw new NullPointerException("field x of y is null");
        });
        Gateway gateway = Gateway.builder().route(Route.get("/a").filter(buggy).to(BACKEND)).build();

        Response response = Http.send(gateway, get("/a"), upstream);

        assertError(response, 500, "internal_error");
        assertThat(Http.text(response)).doesNotContain("field x", "NullPointer");
    }

    @Test
    void errorThrownByALocalHandlerBecomesAGeneric500() {
        Gateway gateway = Gateway.builder().route(Route.get("/a").handler((request, context) -> {
            throw new StackOverflowError("deep recursion in handler");
        })).build();

        Response response = Http.send(gateway, get("/a"), upstream);

        assertError(response, 500, "internal_error");
        assertThat(Http.text(response)).doesNotContain("recursion", "StackOverflow");
    }

    @Test
    void filterReturningNullInsteadOfAStageGets500() {
        Filter broken = (request, chain) -> null;
        Gateway gateway = Gateway.builder().route(Route.get("/a").filter(broken).to(BACKEND)).build();

        assertError(Http.send(gateway, get("/a"), upstream), 500, "internal_error");
        assertThat(upstream.callCount()).isZero();
    }

    @Test
    void filterCompletingWithANullResponseGets500() {
        Filter broken = (request, chain) -> chain.proceed(request).thenApply(response -> null);
        Gateway gateway = Gateway.builder().route(Route.get("/a").filter(broken).to(BACKEND)).build();

        assertError(Http.send(gateway, get("/a"), upstream), 500, "internal_error");
    }

    @Test
    void upstreamClientThrowingSynchronouslyGets500WithoutDetail() {
        Gateway gateway = Gateway.builder().route(Route.get("/a").to(BACKEND)).build();
        dev.portico.core.spi.UpstreamClient client = (endpoint, request, options) -> {
            throw new IllegalArgumentException("pool exhausted for backend:8080");
        };

        Response response = Http.send(gateway, get("/a"), client);

        assertError(response, 500, "internal_error");
        assertThat(Http.text(response)).doesNotContain("pool", "backend:8080");
    }

    @Test
    void filtersShareTypedAttributesThroughTheContext() {
        AttributeKey<String> tenant = AttributeKey.of("tenant", String.class);
        AttributeKey<Integer> attempts = AttributeKey.of("attempts", Integer.class);
        Filter identify = (request, chain) -> {
            chain.context().put(tenant, "acme");
            chain.context().put(attempts, 1);
            return chain.proceed(request);
        };
        Filter stamp = (request, chain) -> chain.proceed(request.toBuilder()
                .header("X-Tenant", chain.context().get(tenant))
                .header("X-Attempts", String.valueOf(chain.context().get(attempts)))
                .build());
        Gateway gateway = Gateway.builder().route(Route.get("/a").filters(identify, stamp).to(BACKEND)).build();

        Http.send(gateway, get("/a"), upstream);

        Request sent = upstream.takeRequest();
        assertThat(sent.header("X-Tenant")).isEqualTo("acme");
        assertThat(sent.header("X-Attempts")).isEqualTo("1");
    }

    @Test
    void attributesSetByAFilterAreVisibleToTheTargetAndAfterwardsToOuterFilters() {
        AttributeKey<String> seen = AttributeKey.of("seen", String.class);
        Filter outer = (request, chain) -> chain.proceed(request).thenApply(response ->
                response.toBuilder().header("X-Seen", String.valueOf(chain.context().get(seen))).build());
        Filter inner = (request, chain) -> {
            chain.context().put(seen, "by-inner");
            return chain.proceed(request);
        };
        Handler target = (request, context) -> CompletableFuture.completedFuture(
                Response.builder(200).header("X-Target-Saw", context.get(seen)).build());
        Gateway gateway = Gateway.builder().route(Route.get("/a").filters(outer, inner).handler(target)).build();

        Response response = Http.send(gateway, get("/a"), upstream);

        assertThat(response.header("X-Target-Saw")).isEqualTo("by-inner");
        assertThat(response.header("X-Seen")).isEqualTo("by-inner");
    }

    @Test
    void attributeKeysWithTheSameNameDoNotCollide() {
        AttributeKey<String> first = AttributeKey.of("name", String.class);
        AttributeKey<String> second = AttributeKey.of("name", String.class);
        Handler target = (request, context) -> {
            context.put(first, "one");
            context.put(second, "two");
            return CompletableFuture.completedFuture(Response.builder(200)
                    .header("X-First", context.get(first)).header("X-Second", context.get(second)).build());
        };
        Gateway gateway = Gateway.builder().route(Route.get("/a").handler(target)).build();

        Response response = Http.send(gateway, get("/a"), upstream);

        assertThat(response.header("X-First")).isEqualTo("one");
        assertThat(response.header("X-Second")).isEqualTo("two");
    }

    @Test
    void attributeKeysHoldGenericTypesWithOrWithoutARawClass() {
        AttributeKey<List<String>> roles = AttributeKey.of("roles", List.class);
        AttributeKey<Map<String, Object>> claims = AttributeKey.of("claims");
        Handler target = Handler.sync((request, context) -> {
            context.put(roles, List.of("admin", "ops"));
            context.put(claims, Map.of("sub", "ann"));
            List<String> held = context.get(roles);
            return Response.builder(200)
                    .header("X-Roles", String.join(",", held))
                    .header("X-Sub", String.valueOf(context.get(claims).get("sub")))
                    .build();
        });
        Gateway gateway = Gateway.builder().route(Route.get("/a").handler(target)).build();

        Response response = Http.send(gateway, get("/a"), upstream);

        assertThat(response.header("X-Roles")).isEqualTo("admin,ops");
        assertThat(response.header("X-Sub")).isEqualTo("ann");
        assertThat(roles.type()).isEqualTo(List.class);
        assertThat(claims.type()).isEqualTo(Object.class);
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void puttingAValueOfTheWrongClassFailsWhereTheKeyKnowsItsClass() {
        AttributeKey<List<String>> roles = AttributeKey.of("roles", List.class);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Handler target = Handler.sync((request, context) -> {
            try {
                context.put((AttributeKey) roles, "admin");
            } catch (ClassCastException e) {
                failure.set(e);
            }
            return Response.of(200);
        });
        Gateway gateway = Gateway.builder().route(Route.get("/a").handler(target)).build();

        Http.send(gateway, get("/a"), upstream);

        assertThat(failure.get()).isInstanceOf(ClassCastException.class);
    }

    @Test
    void puttingNullRemovesAnAttributeAndAbsentAttributesAreNull() {
        AttributeKey<String> key = AttributeKey.of("k", String.class);
        AttributeKey<String> never = AttributeKey.of("never", String.class);
        Handler target = (request, context) -> {
            String absent = String.valueOf(context.get(never));
            context.put(key, "v");
            String present = context.get(key);
            context.put(key, null);
            return CompletableFuture.completedFuture(Response.builder(200)
                    .header("X-Absent", absent).header("X-Present", present)
                    .header("X-Removed", String.valueOf(context.get(key))).build());
        };
        Gateway gateway = Gateway.builder().route(Route.get("/a").handler(target)).build();

        Response response = Http.send(gateway, get("/a"), upstream);

        assertThat(response.header("X-Absent")).isEqualTo("null");
        assertThat(response.header("X-Present")).isEqualTo("v");
        assertThat(response.header("X-Removed")).isEqualTo("null");
    }

    @Test
    void attributesDoNotLeakBetweenRequests() {
        AttributeKey<String> key = AttributeKey.of("k", String.class);
        Handler target = (request, context) -> {
            String before = String.valueOf(context.get(key));
            context.put(key, "set");
            return CompletableFuture.completedFuture(Response.builder(200).header("X-Before", before).build());
        };
        Gateway gateway = Gateway.builder().route(Route.get("/a").handler(target)).build();

        Http.send(gateway, get("/a"), upstream);
        Response second = Http.send(gateway, get("/a"), upstream);

        assertThat(second.header("X-Before")).isEqualTo("null");
    }

    @Test
    void contextDescribesTheRouteThePeerAndTheCaptures() {
        CompletableFuture<Context> seen = new CompletableFuture<>();
        Handler target = (request, context) -> {
            seen.complete(context);
            return CompletableFuture.completedFuture(Response.of(200));
        };
        Gateway gateway = Gateway.builder().route(Route.get("/orders/{id}/items/{item}").id("items").handler(target)).build();

        Http.send(gateway, get("/orders/7/items/x%20y"), upstream);

        Context context = seen.join();
        assertThat(context.route().id()).isEqualTo("items");
        assertThat(context.pathParam("id")).isEqualTo("7");
        assertThat(context.pathParam("item")).isEqualTo("x y");
        assertThat(context.pathParam("missing")).isNull();
        assertThat(context.pathParams()).containsExactly(java.util.Map.entry("id", "7"), java.util.Map.entry("item", "x y"));
        assertThat(context.peerAddress()).isEqualTo(Http.CLIENT);
        assertThat(context.clientAddress()).isEqualTo(Http.CLIENT);
    }

    @Test
    void handlerCanCallAnotherUpstreamThroughTheContext() {
        Upstream other = Upstream.of("other", "http://other:9000");
        Handler target = (request, context) -> context.send(other, request.toBuilder().rawPath("/elsewhere").build());
        Gateway gateway = Gateway.builder().route(Route.get("/a").handler(target)).build();
        upstream.enqueue(Response.builder(200).body(Body.of("from other")).build());

        Response response = Http.send(gateway, get("/a"), upstream);

        assertThat(Http.text(response)).isEqualTo("from other");
        RecordingUpstreamClient.Call call = upstream.takeCall();
        assertThat(call.endpoint().authority()).isEqualTo("other:9000");
        assertThat(call.options().upstream()).isEqualTo("other");
        assertThat(call.request().rawPath()).isEqualTo("/elsewhere");
        assertThat(call.request().header("Host")).isEqualTo("other:9000");
        assertThat(call.request().header("X-Forwarded-For")).isEqualTo("203.0.113.7");
    }

    private static final class SecretDetailException extends RuntimeException {
        SecretDetailException(String message) {
            super(message);
        }
    }
}
