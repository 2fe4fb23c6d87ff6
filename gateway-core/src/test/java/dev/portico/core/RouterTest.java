package dev.portico.core;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import static dev.portico.core.Http.assertError;
import static dev.portico.core.Http.get;
import static dev.portico.core.Http.request;
import static org.assertj.core.api.Assertions.assertThat;

/** Route selection through {@link Gateway#handle}: precedence, backtracking, predicates, 404 and 405. */
class RouterTest {

    private final RecordingUpstreamClient upstream = new RecordingUpstreamClient();
    private final Map<String, Map<String, String>> paramsSeen = new ConcurrentHashMap<>();
    private final Map<String, String> methodsSeen = new ConcurrentHashMap<>();

    /** Gives a route an id and a local handler that reports which route answered. */
    private Route answering(String id, Route.Builder route) {
        return route.id(id).handler((request, context) -> {
            paramsSeen.put(id, context.pathParams());
            methodsSeen.put(id, request.method());
            return CompletableFuture.completedFuture(Response.builder(200).header("X-Route", context.route().id()).build());
        }).build();
    }

    private static Gateway gateway(Route... routes) {
        Gateway.Builder builder = Gateway.builder();
        for (Route route : routes) {
            builder.route(route);
        }
        return builder.build();
    }

    private String routeFor(Gateway gateway, Request request) {
        Response response = Http.send(gateway, request, upstream);
        assertThat(response.status()).as("status for " + request).isEqualTo(200);
        return response.header("X-Route");
    }

    private String routeFor(Gateway gateway, String target) {
        return routeFor(gateway, get(target));
    }

    @Test
    void literalSegmentBeatsCapture() {
        Gateway gateway = gateway(
                answering("capture", Route.get("/users/{id}")),
                answering("literal", Route.get("/users/me")));

        assertThat(routeFor(gateway, "/users/me")).isEqualTo("literal");
        assertThat(routeFor(gateway, "/users/ann")).isEqualTo("capture");
    }

    @Test
    void captureBeatsDoubleStar() {
        Gateway gateway = gateway(
                answering("tail", Route.get("/files/**")),
                answering("capture", Route.get("/files/{name}")));

        assertThat(routeFor(gateway, "/files/a.txt")).isEqualTo("capture");
        assertThat(routeFor(gateway, "/files/dir/a.txt")).isEqualTo("tail");
    }

    @Test
    void literalBeatsCaptureBeatsDoubleStarWhateverTheDeclarationOrder() {
        Gateway gateway = gateway(
                answering("tail", Route.get("/a/**")),
                answering("capture", Route.get("/a/{x}")),
                answering("literal", Route.get("/a/b")));

        assertThat(routeFor(gateway, "/a/b")).isEqualTo("literal");
        assertThat(routeFor(gateway, "/a/c")).isEqualTo("capture");
        assertThat(routeFor(gateway, "/a/b/c")).isEqualTo("tail");
    }

    @Test
    void precedenceIsDecidedAtTheFirstSegmentWhereRoutesDiffer() {
        Gateway gateway = gateway(
                answering("capture-first", Route.get("/{x}/b")),
                answering("literal-first", Route.get("/a/{y}")));

        assertThat(routeFor(gateway, "/a/b")).isEqualTo("literal-first");
        assertThat(routeFor(gateway, "/z/b")).isEqualTo("capture-first");
    }

    @Test
    void backtracksFromADeadEndLiteralToACapture() {
        Gateway gateway = gateway(
                answering("literal", Route.get("/a/b")),
                answering("capture", Route.get("/a/{x}/c")));

        assertThat(routeFor(gateway, "/a/b/c")).isEqualTo("capture");
        assertThat(paramsSeen.get("capture")).containsExactly(Map.entry("x", "b"));
        assertThat(routeFor(gateway, "/a/b")).isEqualTo("literal");
    }

    @Test
    void backtracksFromADeadEndCaptureToADoubleStar() {
        Gateway gateway = gateway(
                answering("capture", Route.get("/a/{x}/c")),
                answering("tail", Route.get("/a/**")));

        assertThat(routeFor(gateway, "/a/b/d")).isEqualTo("tail");
        assertThat(routeFor(gateway, "/a/b/c")).isEqualTo("capture");
    }

    @Test
    void backtrackingDiscardsCapturesOfTheAbandonedBranch() {
        Gateway gateway = gateway(
                answering("deep", Route.get("/{a}/{b}/x")),
                answering("shallow", Route.get("/{c}/y/z")));

        assertThat(routeFor(gateway, "/p/y/z")).isEqualTo("shallow");
        assertThat(paramsSeen.get("shallow")).containsExactly(Map.entry("c", "p"));
    }

    @Test
    void doubleStarMatchesZeroOrMoreSegments() {
        Gateway gateway = gateway(answering("tail", Route.get("/static/**")));

        assertThat(routeFor(gateway, "/static")).isEqualTo("tail");
        assertThat(routeFor(gateway, "/static/")).isEqualTo("tail");
        assertThat(routeFor(gateway, "/static/a")).isEqualTo("tail");
        assertThat(routeFor(gateway, "/static/a/b/c.css")).isEqualTo("tail");
        assertError(Http.send(gateway, get("/staticfiles"), upstream), 404, "not_found");
    }

    @Test
    void rootDoubleStarMatchesEveryPathIncludingRoot() {
        Gateway gateway = gateway(answering("all", Route.get("/**")));

        assertThat(routeFor(gateway, "/")).isEqualTo("all");
        assertThat(routeFor(gateway, "/a/b")).isEqualTo("all");
    }

    @Test
    void exactRouteBeatsDoubleStarMatchingZeroSegments() {
        Gateway gateway = gateway(
                answering("tail", Route.get("/a/**")),
                answering("exact", Route.get("/a")));

        assertThat(routeFor(gateway, "/a")).isEqualTo("exact");
    }

    @Test
    void starMatchesExactlyOneNonEmptySegmentAndCapturesNothing() {
        Gateway gateway = gateway(answering("star", Route.get("/a/*/c")));

        assertThat(routeFor(gateway, "/a/b/c")).isEqualTo("star");
        assertThat(paramsSeen.get("star")).isEmpty();
        assertError(Http.send(gateway, get("/a/c"), upstream), 404, "not_found");
        assertError(Http.send(gateway, get("/a/b/b/c"), upstream), 404, "not_found");
    }

    @Test
    void captureDoesNotMatchAnEmptyTrailingSegment() {
        Gateway gateway = gateway(answering("capture", Route.get("/a/{x}")));

        assertError(Http.send(gateway, get("/a/"), upstream), 404, "not_found");
    }

    @Test
    void trailingSlashIsADistinctRoute() {
        Gateway withoutSlash = gateway(answering("no-slash", Route.get("/a")));
        Gateway withSlash = gateway(answering("slash", Route.get("/a/")));

        assertError(Http.send(withoutSlash, get("/a/"), upstream), 404, "not_found");
        assertError(Http.send(withSlash, get("/a"), upstream), 404, "not_found");
        assertThat(routeFor(withoutSlash, "/a")).isEqualTo("no-slash");
        assertThat(routeFor(withSlash, "/a/")).isEqualTo("slash");
    }

    @Test
    void rootRouteMatchesOnlyTheRoot() {
        Gateway gateway = gateway(answering("root", Route.get("/")));

        assertThat(routeFor(gateway, "/")).isEqualTo("root");
        assertError(Http.send(gateway, get("/a"), upstream), 404, "not_found");
    }

    @Test
    void matchingIsCaseSensitive() {
        Gateway gateway = gateway(answering("lower", Route.get("/users")));

        assertThat(routeFor(gateway, "/users")).isEqualTo("lower");
        assertError(Http.send(gateway, get("/Users"), upstream), 404, "not_found");
        assertError(Http.send(gateway, get("/USERS"), upstream), 404, "not_found");
    }

    @Test
    void firstDeclaredWinsAmongEquallySpecificRoutes() {
        Gateway gateway = gateway(
                answering("first", Route.get("/a/{x}")),
                answering("second", Route.get("/a/{y}")));

        assertThat(routeFor(gateway, "/a/b")).isEqualTo("first");
        assertThat(paramsSeen.get("first")).containsExactly(Map.entry("x", "b"));
    }

    @Test
    void firstDeclaredWinsAmongIdenticalPatterns() {
        Gateway gateway = gateway(
                answering("second-declared-first", Route.get("/same")),
                answering("declared-second", Route.get("/same")));

        assertThat(routeFor(gateway, "/same")).isEqualTo("second-declared-first");
    }

    @Test
    void capturesAreDecoded() {
        Gateway gateway = gateway(answering("user", Route.get("/users/{name}/{tag}")));

        assertThat(routeFor(gateway, "/users/Ann%20B/Caf%C3%A9%3F%2B")).isEqualTo("user");

        assertThat(paramsSeen.get("user")).containsExactly(Map.entry("name", "Ann B"), Map.entry("tag", "Café?+"));
    }

    @Test
    void literalSegmentsMatchTheDecodedPath() {
        Gateway gateway = gateway(answering("cafe", Route.get("/café/a b")));

        assertThat(routeFor(gateway, "/caf%C3%A9/a%20b")).isEqualTo("cafe");
        assertThat(routeFor(gateway, "/caf%c3%a9/a%20b")).isEqualTo("cafe");
    }

    @Test
    void unknownPathGets404Json() {
        Gateway gateway = gateway(answering("users", Route.get("/users")));

        Response response = Http.send(gateway, get("/orders"), upstream);

        JsonObject body = assertError(response, 404, "not_found");
        assertThat(body.get("message").getAsString()).contains("/orders");
        assertThat(upstream.callCount()).isZero();
    }

    @Test
    void gatewayWithoutRoutesAnswers404() {
        Gateway gateway = Gateway.builder().build();

        assertError(Http.send(gateway, get("/"), upstream), 404, "not_found");
    }

    @Test
    void wrongMethodGets405WithAllowListingEveryMethodOfThePath() {
        Gateway gateway = gateway(
                answering("read", Route.get("/items")),
                answering("create", Route.post("/items")),
                answering("other", Route.delete("/other")));

        Response response = Http.send(gateway, request("DELETE", "/items").build(), upstream);

        assertError(response, 405, "method_not_allowed");
        assertThat(response.headers().getAll("Allow")).containsExactly("GET, HEAD, POST");
    }

    @Test
    void postOnlyRouteDoesNotAllowHead() {
        Gateway gateway = gateway(answering("create", Route.post("/items")));

        Response response = Http.send(gateway, request("HEAD", "/items").build(), upstream);

        assertError(response, 405, "method_not_allowed");
        assertThat(response.header("Allow")).isEqualTo("POST");
    }

    @Test
    void methodMismatchFallsBackToALessSpecificRouteBeforeAnswering405() {
        Gateway gateway = gateway(
                answering("literal-get", Route.get("/a/b")),
                answering("capture-any", Route.any("/a/{x}")));

        assertThat(routeFor(gateway, request("PUT", "/a/b").build())).isEqualTo("capture-any");
        assertThat(routeFor(gateway, "/a/b")).isEqualTo("literal-get");
    }

    @Test
    void headMatchesAGetRoute() {
        Gateway gateway = gateway(answering("read", Route.get("/items")));

        assertThat(routeFor(gateway, request("HEAD", "/items").build())).isEqualTo("read");
        assertThat(methodsSeen.get("read")).isEqualTo("HEAD");
    }

    @Test
    void methodsAreMatchedCaseInsensitivelyAsTheyAreUpperCased() {
        Gateway gateway = gateway(answering("patch", Route.any("/items").methods("patch")));

        assertThat(routeFor(gateway, request("PATCH", "/items").build())).isEqualTo("patch");
        assertThat(routeFor(gateway, request("patch", "/items").build())).isEqualTo("patch");
    }

    @Test
    void routeWithoutMethodsMatchesAnyMethod() {
        Gateway gateway = gateway(answering("any", Route.any("/any")));

        for (String method : new String[] {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PROPFIND"}) {
            assertThat(routeFor(gateway, request(method, "/any").build())).isEqualTo("any");
        }
    }

    @Test
    void exactHostPredicateIgnoresPortAndCase() {
        Gateway gateway = gateway(
                answering("api", Route.get("/x").host("api.example.com")),
                answering("fallback", Route.get("/{any}")));

        assertThat(routeFor(gateway, request("GET", "/x").header("Host", "api.example.com").build())).isEqualTo("api");
        assertThat(routeFor(gateway, request("GET", "/x").header("Host", "API.Example.COM:8443").build())).isEqualTo("api");
        assertThat(routeFor(gateway, request("GET", "/x").header("Host", "www.example.com").build())).isEqualTo("fallback");
        assertThat(routeFor(gateway, request("GET", "/x").header("Host", "api.example.com.evil").build())).isEqualTo("fallback");
        assertThat(routeFor(gateway, request("GET", "/x").removeHeader("Host").build())).isEqualTo("fallback");
    }

    @Test
    void wildcardHostPredicateMatchesSubdomainsOnly() {
        Gateway gateway = gateway(
                answering("tenant", Route.get("/x").host("*.example.com")),
                answering("fallback", Route.get("/x")));

        assertThat(routeFor(gateway, request("GET", "/x").header("Host", "acme.example.com").build())).isEqualTo("tenant");
        assertThat(routeFor(gateway, request("GET", "/x").header("Host", "a.b.example.com:8080").build())).isEqualTo("tenant");
        assertThat(routeFor(gateway, request("GET", "/x").header("Host", "example.com").build())).isEqualTo("fallback");
        assertThat(routeFor(gateway, request("GET", "/x").header("Host", "badexample.com").build())).isEqualTo("fallback");
        assertThat(routeFor(gateway, request("GET", "/x").header("Host", ".example.com").build())).isEqualTo("fallback");
    }

    @Test
    void hostPredicateHandlesIpv6Literals() {
        Gateway gateway = gateway(
                answering("v6", Route.get("/x").host("[::1]")),
                answering("fallback", Route.get("/x")));

        assertThat(routeFor(gateway, request("GET", "/x").header("Host", "[::1]:8080").build())).isEqualTo("v6");
        assertThat(routeFor(gateway, request("GET", "/x").header("Host", "[::1]").build())).isEqualTo("v6");
        assertThat(routeFor(gateway, request("GET", "/x").header("Host", "[::2]").build())).isEqualTo("fallback");
    }

    @Test
    void routesOnTheSameMethodAndPathThatDifferByConditionsNeedNoExplicitIds() {
        Handler reportingId = Handler.sync((request, context) ->
                Response.builder(200).header("X-Route", context.route().id()).build());
        Gateway gateway = Gateway.builder()
                .route(Route.get("/api/users").header("X-Api-Version", "2").handler(reportingId))
                .route(Route.get("/api/users").header("X-Api-Version", "1").handler(reportingId))
                .route(Route.get("/api/users").host("admin.example.com").handler(reportingId))
                .route(Route.get("/api/users").handler(reportingId))
                .build();

        assertThat(routeFor(gateway, request("GET", "/api/users").header("X-Api-Version", "2").build()))
                .isEqualTo("GET /api/users [header X-Api-Version=2]");
        assertThat(routeFor(gateway, request("GET", "/api/users").header("X-Api-Version", "1").build()))
                .isEqualTo("GET /api/users [header X-Api-Version=1]");
        assertThat(routeFor(gateway, request("GET", "/api/users").header("Host", "admin.example.com").build()))
                .isEqualTo("GET /api/users [host=admin.example.com]");
        assertThat(routeFor(gateway, "/api/users")).isEqualTo("GET /api/users");
    }

    @Test
    void headerPredicatesFallBackToALessSpecificRouteWhenTheyFail() {
        Gateway gateway = gateway(
                answering("beta", Route.get("/a/b").header("X-Beta", "on")),
                answering("present", Route.get("/a/b").header("X-Canary")),
                answering("general", Route.get("/a/{x}")));

        assertThat(routeFor(gateway, request("GET", "/a/b").header("x-beta", "on").build())).isEqualTo("beta");
        assertThat(routeFor(gateway, request("GET", "/a/b").addHeader("X-Beta", "off").addHeader("X-Beta", "on").build()))
                .isEqualTo("beta");
        assertThat(routeFor(gateway, request("GET", "/a/b").header("X-Beta", "ON").build())).isEqualTo("general");
        assertThat(routeFor(gateway, request("GET", "/a/b").header("X-Canary", "").build())).isEqualTo("present");
        assertThat(routeFor(gateway, "/a/b")).isEqualTo("general");
    }

    @Test
    void queryPredicatesCompareDecodedValuesAndFallBack() {
        Gateway gateway = gateway(
                answering("v2", Route.get("/search").query("version", "2 beta")),
                answering("debug", Route.get("/search").query("debug")),
                answering("plain", Route.get("/**")));

        assertThat(routeFor(gateway, "/search?version=2+beta")).isEqualTo("v2");
        assertThat(routeFor(gateway, "/search?x=1&version=%32%20beta")).isEqualTo("v2");
        assertThat(routeFor(gateway, "/search?version=2")).isEqualTo("plain");
        assertThat(routeFor(gateway, "/search?debug")).isEqualTo("debug");
        assertThat(routeFor(gateway, "/search?debug=")).isEqualTo("debug");
        assertThat(routeFor(gateway, "/search?debugging=1")).isEqualTo("plain");
        assertThat(routeFor(gateway, "/search")).isEqualTo("plain");
    }

    @Test
    void failingPredicatesGive404NotTheRoute() {
        Gateway gateway = gateway(answering("internal", Route.get("/admin").header("X-Internal", "yes")));

        assertError(Http.send(gateway, get("/admin"), upstream), 404, "not_found");
    }

    @Test
    void customPredicateSelectsTheRoute() {
        Gateway gateway = gateway(
                answering("https", Route.get("/x").matching(r -> r.scheme().equals("https"))),
                answering("http", Route.get("/x")));

        assertThat(routeFor(gateway, request("GET", "/x").scheme("https").build())).isEqualTo("https");
        assertThat(routeFor(gateway, "/x")).isEqualTo("http");
    }

    @Test
    void everyPredicateOfARouteMustHold() {
        Gateway gateway = gateway(
                answering("both", Route.get("/x").header("X-A", "1").query("b", "2")),
                answering("fallback", Route.get("/x")));

        assertThat(routeFor(gateway, request("GET", "/x?b=2").header("X-A", "1").build())).isEqualTo("both");
        assertThat(routeFor(gateway, request("GET", "/x?b=2").build())).isEqualTo("fallback");
        assertThat(routeFor(gateway, request("GET", "/x?b=3").header("X-A", "1").build())).isEqualTo("fallback");
    }
}
