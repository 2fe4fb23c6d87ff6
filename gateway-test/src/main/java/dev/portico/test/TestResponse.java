package dev.portico.test;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.portico.core.Headers;

import java.nio.charset.StandardCharsets;

/**
 * A response as the client received it, body and all: an immutable value to assert on.
 *
 * <pre>{@code
 * assertThat(response.status()).isEqualTo(200);
 * assertThat(response.json().getAsJsonObject().get("id").getAsString()).isEqualTo("42");
 * }</pre>
 */
public final class TestResponse {

    private final int status;
    private final Headers headers;
    private final byte[] body;

    TestResponse(int status, Headers headers, byte[] body) {
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    /** Returns the status code. */
    public int status() {
        return status;
    }

    /** Returns the first value of a header, by case-insensitive name, or {@code null}. */
    public String header(String name) {
        return headers.get(name);
    }

    /** Returns every header. */
    public Headers headers() {
        return headers;
    }

    /** Returns the body's bytes (a copy). */
    public byte[] body() {
        return body.clone();
    }

    /** Returns the body as UTF-8 text. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** Returns the body parsed as JSON with Gson; throws {@code JsonParseException} when it is not JSON. */
    public JsonElement json() {
        return JsonParser.parseString(bodyText());
    }

    /** Returns the status, headers and text body, for assertion messages. */
    @Override
    public String toString() {
        return status + " " + headers + ' ' + bodyText();
    }
}
