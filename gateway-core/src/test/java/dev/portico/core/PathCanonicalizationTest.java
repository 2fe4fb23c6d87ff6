package dev.portico.core;

import com.google.gson.JsonObject;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.portico.core.Http.assertError;
import static dev.portico.core.Http.get;
import static dev.portico.core.Http.rawGet;
import static org.assertj.core.api.Assertions.assertThat;

/** Ambiguous request paths are refused with 400 before any route or upstream sees them. */
class PathCanonicalizationTest {

    private final RecordingUpstreamClient upstream = new RecordingUpstreamClient();
    private final Gateway gateway = Gateway.builder()
            .route(Route.any("/**").to(Upstream.of("backend", "http://backend:8080")))
            .build();

    private JsonObject assertRejected(Request request) {
        Response response = Http.send(gateway, request, upstream);
        JsonObject body = assertError(response, 400, "bad_request");
        assertThat(upstream.callCount()).as("upstream calls").isZero();
        return body;
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a%2Fb", "/a%2fb", "/%2F", "/a/%2F/b", "/a%2F..%2Fsecret"})
    void encodedSlashIsRejected(String path) {
        assertThat(assertRejected(get(path)).get("message").getAsString()).contains("slash");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a%5Cb", "/a%5cb", "/%5C..%5Csecret"})
    void encodedBackslashIsRejected(String path) {
        assertRejected(get(path));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a\\b", "/\\", "/a/..\\secret"})
    void rawBackslashIsRejected(String path) {
        assertThat(assertRejected(rawGet(path)).get("message").getAsString()).contains("backslash");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/..", "/.", "/a/..", "/a/.", "/a/../b", "/a/./b", "/../etc/passwd", "/a/b/../../c"})
    void rawDotSegmentsAreRejected(String path) {
        assertThat(assertRejected(get(path)).get("message").getAsString()).contains("dot segment");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/%2e%2E", "/a/%2e%2e/b", "/a/%2E/b", "/a/.%2e/b", "/a/%2e./b", "/a/%2e", "/%2E%2E/etc/passwd"})
    void encodedDotSegmentsAreRejected(String path) {
        assertThat(assertRejected(get(path)).get("message").getAsString()).contains("dot segment");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a%00b", "/a%00", "/a%01", "/a%0d%0aX-Injected:1", "/a%0A", "/a%09b", "/a%1F", "/a%7f"})
    void encodedControlCharactersAreRejected(String path) {
        assertThat(assertRejected(get(path)).get("message").getAsString()).contains("control character");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a\u0000b", "/a\tb", "/a\rb", "/a\nb", "/a b", "/a\u007fb"})
    void rawControlCharactersAndSpacesAreRejected(String path) {
        assertRejected(rawGet(path));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/caf\u00e9", "/a\"b", "/a<b>", "/a|b", "/a{b}", "/a^b", "/a`b", "/a#b", "/a?b", "/a[b]"})
    void rawCharactersThatMustBeEncodedAreRejected(String path) {
        assertRejected(rawGet(path));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a%zz", "/a%", "/a%2", "/%", "/a%G0", "/a%%20", "/a%2/b", "/a%-1"})
    void invalidPercentEncodingIsRejected(String path) {
        assertThat(assertRejected(get(path)).get("message").getAsString()).contains("percent-encoding");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a%C3%28", "/a%C3", "/a%FF", "/a%C0%AF", "/%C0%AE%C0%AE/secret", "/a%ED%A0%80"})
    void invalidOrOverlongUtf8IsRejected(String path) {
        assertThat(assertRejected(get(path)).get("message").getAsString()).contains("UTF-8");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a;jsessionid=1", "/a;/b", "/;", "/a/..;/b"})
    void pathParametersAreRejected(String path) {
        assertThat(assertRejected(get(path)).get("message").getAsString()).contains("';'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"//", "//a", "/a//b", "/a//", "/a///b"})
    void emptySegmentsAreRejected(String path) {
        assertThat(assertRejected(get(path)).get("message").getAsString()).contains("empty path segment");
    }

    @Test
    void pathNotStartingWithSlashIsRejected() {
        assertRejected(rawGet("a/b"));
        assertRejected(rawGet("*"));
    }

    @Test
    void rootPathIsAccepted() {
        Response response = Http.send(gateway, get("/"), upstream);

        assertThat(response.status()).isEqualTo(200);
        assertThat(upstream.takeRequest().rawPath()).isEqualTo("/");
    }

    @Test
    void singleTrailingSlashIsAccepted() {
        Response response = Http.send(gateway, get("/a/b/"), upstream);

        assertThat(response.status()).isEqualTo(200);
        Request sent = upstream.takeRequest();
        assertThat(sent.rawPath()).isEqualTo("/a/b/");
        assertThat(sent.path()).isEqualTo("/a/b/");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a%20b", "/caf%C3%A9", "/%7Euser", "/a%3Bb", "/a%3Fb", "/a%23b", "/a%25b", "/...", "/.a/a./..b",
            "/a-b_c.d~e!$&'()*+,=:@", "/%2E%2E%2E", "/a%2Bb"})
    void unambiguousPathsAreAcceptedAndForwardedUnchanged(String path) {
        Response response = Http.send(gateway, get(path), upstream);

        assertThat(response.status()).isEqualTo(200);
        assertThat(upstream.takeRequest().rawPath()).isEqualTo(path);
    }

    @Test
    void routingUsesTheCanonicalPathEvenWhenTheAdapterSuppliedAnotherDecodedPath() {
        RecordingUpstreamClient client = new RecordingUpstreamClient();
        Gateway gateway = Gateway.builder()
                .route(Route.get("/public/{name}").to(Upstream.of("public", "http://public")))
                .build();
        Request lying = Request.builder("GET", "/").paths("/admin%20x", "/public/x").build();

        Response response = Http.send(gateway, lying, client);

        assertError(response, 404, "not_found");
        assertThat(client.callCount()).isZero();
    }

    @Test
    void errorBodyNamesNoExceptionTypeOrStackTrace() {
        Response response = Http.send(gateway, get("/a%2Fb"), upstream);

        assertThat(Http.text(response))
                .doesNotContain("GatewayException", "Exception", "at dev.", "java.", "Paths", "\n");
    }
}
