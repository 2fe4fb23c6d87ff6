package dev.portico.undertow;

import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The adapter's memory of header names in Undertow's form. */
class HeaderNamesTest {

    @Test
    void aNameUndertowHasNoConstantForIsConvertedOnceAndOneUndertowKnowsIsItsConstant() {
        HttpString first = HeaderNames.of("X-Portico-Test-Name");

        assertThat(HeaderNames.of("X-Portico-Test-Name")).isSameAs(first);
        assertThat(first.toString()).isEqualTo("X-Portico-Test-Name");
        assertThat(HeaderNames.of("Content-Type")).isSameAs(Headers.CONTENT_TYPE);
    }

    @Test
    void pastItsBoundEveryNameIsStillConvertedRightly() {
        for (int i = 0; i < HeaderNames.MAX + 50; i++) {
            String name = "X-Bounded-" + i;
            assertThat(HeaderNames.of(name).toString()).isEqualTo(name);
            assertThat(HeaderNames.of(name)).isEqualTo(new HttpString(name));
        }
    }
}
