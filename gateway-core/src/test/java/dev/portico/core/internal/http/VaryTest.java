package dev.portico.core.internal.http;

import dev.portico.core.Headers;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class VaryTest {

    @Test
    void findsANameInAnyCaseInAnyVaryValue() {
        Headers headers = Headers.builder().add("Vary", "Accept-Encoding").add("vary", " accept ,\tORIGIN ").build();

        assertThat(Vary.lists(headers, "Origin")).isTrue();
        assertThat(Vary.lists(headers, "Accept")).isTrue();
        assertThat(Vary.lists(headers, "Accept-Encoding")).isTrue();
    }

    @Test
    void aStarListsEverything() {
        assertThat(Vary.lists(Headers.builder().add("Vary", "Accept, *").build(), "API-Version")).isTrue();
    }

    @Test
    void neitherAPrefixNorAnAbsentFieldCounts() {
        assertThat(Vary.lists(Headers.builder().add("Vary", "Origin-X, XOrigin,,").build(), "Origin")).isFalse();
        assertThat(Vary.lists(Headers.builder().build(), "Origin")).isFalse();
        assertThat(Vary.lists(Headers.builder().add("Vary", "").build(), "Origin")).isFalse();
    }
}
