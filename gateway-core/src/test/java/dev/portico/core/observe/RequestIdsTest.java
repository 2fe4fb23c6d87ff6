package dev.portico.core.observe;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which client ids are kept, and what generated ids look like. */
class RequestIdsTest {

    @Test
    void onlyBoundedTokensOfTheAllowedCharactersAreSane() {
        assertThat(RequestIds.sane("a")).isTrue();
        assertThat(RequestIds.sane("Az09._:-")).isTrue();
        assertThat(RequestIds.sane("x".repeat(128))).isTrue();
        assertThat(RequestIds.sane("x".repeat(129))).isFalse();
        assertThat(RequestIds.sane("")).isFalse();
        assertThat(RequestIds.sane(null)).isFalse();
        for (String bad : new String[] {"a b", "a/b", "a\"b", "a\nb", "é", "a;b", "a,b", "{}"}) {
            assertThat(RequestIds.sane(bad)).as(bad).isFalse();
        }
    }

    @Test
    void resolveKeepsASaneIdAndReplacesAnyOther() {
        RequestIds ids = RequestIds.defaults();
        assertThat(ids.resolve("client-1")).isEqualTo("client-1");
        assertThat(ids.resolve("no good")).isNotEqualTo("no good").matches(RequestIds::sane);
        assertThat(ids.resolve(null)).matches(RequestIds::sane);
    }

    @Test
    void generatedIdsAreSaneAndDistinct() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = RequestIds.generate();
            assertThat(RequestIds.sane(id)).isTrue();
            assertThat(seen.add(id)).as(id).isTrue();
        }
    }

    @Test
    void theHeaderCanBeRenamedOrTurnedOff() {
        assertThat(RequestIds.defaults().headerName()).isEqualTo("X-Request-Id");
        assertThat(RequestIds.header("X-Correlation-Id").headerName()).isEqualTo("X-Correlation-Id");
        assertThat(RequestIds.disabled().enabled()).isFalse();
        assertThatThrownBy(() -> RequestIds.header("bad header")).isInstanceOf(IllegalArgumentException.class);
    }
}
