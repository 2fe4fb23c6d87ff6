package dev.portico.core.internal.json;

import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class StrictJsonTest {

    @Test
    void parsesOneStrictDocumentOnly() {
        assertThat(StrictJson.parse(bytes("{\"a\":[1,2.50,null]}"))).isEqualTo(JsonParser.parseString("{\"a\":[1,2.50,null]}"));
        assertThat(StrictJson.parse(bytes("{a:1}"))).isNull();
        assertThat(StrictJson.parse(bytes("{'a':1}"))).isNull();
        assertThat(StrictJson.parse(bytes("{\"a\":1} {\"b\":2}"))).isNull();
        assertThat(StrictJson.parse(bytes("{\"a\":1"))).isNull();
        assertThat(StrictJson.parse(bytes("NaN"))).isNull();
        assertThat(StrictJson.parse(new byte[] {'"', (byte) 0xC3, '"'})).isNull();
        assertThat(StrictJson.parse(bytes("[".repeat(10_000)))).isNull();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
