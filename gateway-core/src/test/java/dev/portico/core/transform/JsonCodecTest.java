package dev.portico.core.transform;

import com.google.gson.JsonParser;
import dev.portico.core.internal.json.StrictJson;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** What counts as a JSON body, and strict parsing of it. */
class JsonCodecTest {

    @Test
    void recognizesJsonMediaTypesWithParametersAndSuffixes() {
        assertThat(JsonCodec.isJson("application/json")).isTrue();
        assertThat(JsonCodec.isJson("Application/JSON; charset=utf-8")).isTrue();
        assertThat(JsonCodec.isJson("application/problem+json")).isTrue();
        assertThat(JsonCodec.isJson("application/vnd.example.v2+json;q=1")).isTrue();
        assertThat(JsonCodec.isJson(null)).isFalse();
        assertThat(JsonCodec.isJson("text/plain")).isFalse();
        assertThat(JsonCodec.isJson("application/jsonx")).isFalse();
        assertThat(JsonCodec.isJson("+json")).isFalse();
        assertThat(JsonCodec.isJson("text/event-stream")).isFalse();
    }

    @Test
    void writesCompactUtf8WithNullsAndWithoutHtmlEscapes() {
        assertThat(new String(JsonCodec.write(JsonParser.parseString("{ \"a\" : null, \"b\": \"<café & ü>\" }")),
                StandardCharsets.UTF_8)).isEqualTo("{\"a\":null,\"b\":\"<café & ü>\"}");
    }

    @Test
    void keepsNumbersAsWritten() {
        assertThat(new String(JsonCodec.write(StrictJson.parse(bytes("[1.10,12345678901234567890,1e3]"))), StandardCharsets.UTF_8))
                .isEqualTo("[1.10,12345678901234567890,1e3]");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
