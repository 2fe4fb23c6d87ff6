package dev.portico.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Requests and responses are immutable values; query parameters decode on demand. */
class RequestResponseTest {

    @Test
    void requestBuilderDecodesThePathAndUpperCasesTheMethod() {
        Request request = Request.builder("post", "/a%20b/caf%C3%A9").rawQuery("x=1").build();

        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.scheme()).isEqualTo("http");
        assertThat(request.rawPath()).isEqualTo("/a%20b/caf%C3%A9");
        assertThat(request.path()).isEqualTo("/a b/café");
        assertThat(request.target()).isEqualTo("/a%20b/caf%C3%A9?x=1");
        assertThat(request.toString()).isEqualTo("POST /a%20b/caf%C3%A9?x=1");
        assertThat(request.headers()).isEqualTo(Headers.empty());
        assertThat(request.body().length()).isZero();
    }

    @Test
    void settingADecodedPathEncodesIt() {
        Request request = Request.builder("GET", "/").path("/a b/café/x?y").build();

        assertThat(request.path()).isEqualTo("/a b/café/x?y");
        assertThat(request.rawPath()).isEqualToIgnoringCase("/a%20b/caf%C3%A9/x%3Fy");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a", "/a b", "/a?b", "/a#b", "/café", "/a\tb"})
    void rawPathsThatCannotBeSentAreRejected(String rawPath) {
        assertThatThrownBy(() -> Request.builder("GET", rawPath)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void requestNeedsAMethodAndAPath() {
        assertThatThrownBy(() -> Request.builder(null, "/")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Request.builder("GET", null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void toBuilderKeepsEveryField() {
        Body body = Body.of("payload");
        Request original = Request.builder("PUT", "/a%20b").scheme("https").rawQuery("q=1")
                .header("X-A", "1").body(body).build();

        Request copy = original.toBuilder().build();

        assertThat(copy.method()).isEqualTo("PUT");
        assertThat(copy.scheme()).isEqualTo("https");
        assertThat(copy.rawPath()).isEqualTo("/a%20b");
        assertThat(copy.path()).isEqualTo("/a b");
        assertThat(copy.rawQuery()).isEqualTo("q=1");
        assertThat(copy.headers()).isEqualTo(original.headers());
        assertThat(copy.body()).isSameAs(body);
    }

    @Test
    void toBuilderChangesDoNotReachTheOriginalRequest() {
        Request original = Request.builder("GET", "/a").rawQuery("q=1").header("X-A", "1").header("X-B", "2").build();

        Request changed = original.toBuilder()
                .method("DELETE").rawPath("/b%20c").rawQuery(null).scheme("https")
                .header("X-A", "changed").removeHeader("X-B").addHeader("X-C", "3").body(Body.of("x"))
                .build();

        assertThat(original.method()).isEqualTo("GET");
        assertThat(original.rawPath()).isEqualTo("/a");
        assertThat(original.path()).isEqualTo("/a");
        assertThat(original.rawQuery()).isEqualTo("q=1");
        assertThat(original.scheme()).isEqualTo("http");
        assertThat(original.headers()).isEqualTo(Headers.of("X-A", "1", "X-B", "2"));
        assertThat(original.body().length()).isZero();
        assertThat(changed.path()).isEqualTo("/b c");
        assertThat(changed.headers()).isEqualTo(Headers.of("X-A", "changed", "X-C", "3"));
    }

    @Test
    void requestBuilderReusedAfterBuildDoesNotChangeWhatItBuilt() {
        Request.Builder builder = Request.builder("GET", "/a").header("X-A", "1");
        Request first = builder.build();

        builder.header("X-A", "2").addHeader("X-B", "b").rawPath("/b");
        Request second = builder.build();
        builder.headers(h -> h.remove("X-A"));

        assertThat(first.headers()).isEqualTo(Headers.of("X-A", "1"));
        assertThat(first.rawPath()).isEqualTo("/a");
        assertThat(second.headers()).isEqualTo(Headers.of("X-A", "2", "X-B", "b"));
        assertThat(builder.build().headers()).isEqualTo(Headers.of("X-B", "b"));
    }

    @Test
    void replacingAllHeadersDiscardsPendingEdits() {
        Request request = Request.builder("GET", "/").header("X-Pending", "1").headers(Headers.of("X-New", "n")).build();

        assertThat(request.headers()).isEqualTo(Headers.of("X-New", "n"));
    }

    @Test
    void queryParametersAreDecoded() {
        Request request = Request.builder("GET", "/").rawQuery("q=%2F&x=1+2&name=caf%C3%A9&x=3&empty=&flag&a%20b=c&eq=a=b").build();

        assertThat(request.queryParam("q")).isEqualTo("/");
        assertThat(request.queryParam("x")).isEqualTo("1 2");
        assertThat(request.queryParams("x")).containsExactly("1 2", "3");
        assertThat(request.queryParam("name")).isEqualTo("café");
        assertThat(request.queryParam("empty")).isEmpty();
        assertThat(request.queryParam("flag")).isEmpty();
        assertThat(request.queryParam("a b")).isEqualTo("c");
        assertThat(request.queryParam("eq")).isEqualTo("a=b");
        assertThat(request.queryParam("missing")).isNull();
        assertThat(request.queryParams("missing")).isEmpty();
    }

    @Test
    void queryParameterNamesAreCaseSensitive() {
        Request request = Request.builder("GET", "/").rawQuery("Page=2").build();

        assertThat(request.queryParam("page")).isNull();
        assertThat(request.queryParam("Page")).isEqualTo("2");
    }

    @Test
    void queryParametersSkipEmptyPairsAndKeepInvalidEncodingAsSent() {
        Request request = Request.builder("GET", "/").rawQuery("&&a=1&&=orphan&bad=%zz&").build();

        assertThat(request.queryParam("a")).isEqualTo("1");
        assertThat(request.queryParam("")).isNull();
        assertThat(request.queryParam("bad")).isEqualTo("%zz");
    }

    @Test
    void requestWithoutAQueryHasNoParameters() {
        assertThat(Request.builder("GET", "/").build().queryParam("a")).isNull();
        assertThat(Request.builder("GET", "/").rawQuery("").build().queryParams("a")).isEmpty();
    }

    @Test
    void responseBuilderSetsStatusHeadersAndBody() {
        Response response = Response.builder(201).header("Location", "/a/1").addHeader("Vary", "A")
                .addHeader("Vary", "B").body(Body.of("made")).build();

        assertThat(response.status()).isEqualTo(201);
        assertThat(response.header("location")).isEqualTo("/a/1");
        assertThat(response.headers().getAll("Vary")).containsExactly("A", "B");
        assertThat(Http.text(response)).isEqualTo("made");
    }

    @Test
    void responseStatusMustBeAnHttpStatus() {
        assertThatThrownBy(() -> Response.of(99)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("status: 99");
        assertThatThrownBy(() -> Response.of(600)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Response.builder(200).status(1000)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void jsonAndErrorResponsesDeclareJson() {
        Response json = Response.json(200, "{\"ok\":true}");
        Response error = Response.error(418, "teapot", "short and stout");

        assertThat(Http.json(json).get("ok").getAsBoolean()).isTrue();
        assertThat(Http.json(error).get("error").getAsString()).isEqualTo("teapot");
        assertThat(Http.json(error).get("message").getAsString()).isEqualTo("short and stout");
        assertThat(error.status()).isEqualTo(418);
    }

    @Test
    void toBuilderChangesDoNotReachTheOriginalResponse() {
        Response original = Response.builder(200).header("X-A", "1").body(Body.of("one")).build();

        Response changed = original.toBuilder().status(500).header("X-A", "2").addHeader("X-B", "b")
                .body(Body.of("two")).build();
        original.toBuilder().removeHeader("X-A").headers(h -> h.add("X-C", "c")).build();

        assertThat(original.status()).isEqualTo(200);
        assertThat(original.headers()).isEqualTo(Headers.of("X-A", "1"));
        assertThat(Http.text(original)).isEqualTo("one");
        assertThat(changed.status()).isEqualTo(500);
        assertThat(changed.headers()).isEqualTo(Headers.of("X-A", "2", "X-B", "b"));
    }

    @Test
    void responseBuilderReusedAfterBuildDoesNotChangeWhatItBuilt() {
        Response.Builder builder = Response.builder(200).header("X-A", "1");
        Response first = builder.build();

        builder.header("X-A", "2").status(404);

        assertThat(first.status()).isEqualTo(200);
        assertThat(first.header("X-A")).isEqualTo("1");
        assertThat(builder.build().header("X-A")).isEqualTo("2");
    }
}
