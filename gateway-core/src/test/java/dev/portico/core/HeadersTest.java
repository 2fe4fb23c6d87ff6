package dev.portico.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The immutable, case-insensitive header multi-map and its copy-on-write builder. */
class HeadersTest {

    @Test
    void getFindsTheFirstValueWhateverTheCase() {
        Headers headers = Headers.of("Content-Type", "text/plain", "X-A", "1", "x-a", "2");

        assertThat(headers.get("content-type")).isEqualTo("text/plain");
        assertThat(headers.get("CONTENT-TYPE")).isEqualTo("text/plain");
        assertThat(headers.get("X-A")).isEqualTo("1");
        assertThat(headers.get("missing")).isNull();
    }

    @Test
    void getAllReturnsEveryValueInOrderWhateverTheCase() {
        Headers headers = Headers.of("Accept", "a", "X-Other", "o", "ACCEPT", "b", "accept", "c");

        assertThat(headers.getAll("aCCept")).containsExactly("a", "b", "c");
        assertThat(headers.getAll("missing")).isEmpty();
    }

    @Test
    void getAllIsUnmodifiable() {
        Headers headers = Headers.of("Accept", "a");

        assertThatThrownBy(() -> headers.getAll("Accept").add("b")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> headers.getAll("missing").add("b")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void containsIsCaseInsensitiveAndTrueForEmptyValues() {
        Headers headers = Headers.of("X-Empty", "");

        assertThat(headers.contains("x-empty")).isTrue();
        assertThat(headers.contains("X-Other")).isFalse();
    }

    @Test
    void namesAreDistinctInTheCaseOfTheirFirstOccurrence() {
        Headers headers = Headers.of("X-A", "1", "Accept", "a", "x-a", "2");

        assertThat(headers.names()).containsExactly("X-A", "Accept");
        assertThat(headers.size()).isEqualTo(3);
    }

    @Test
    void fieldsKeepArrivalOrderAndTheirOwnCase() {
        Headers headers = Headers.of("b", "2", "A", "1", "b", "3");
        List<String> seen = new ArrayList<>();

        headers.forEach((name, value) -> seen.add(name + "=" + value));

        assertThat(seen).containsExactly("b=2", "A=1", "b=3");
        assertThat(headers.name(1)).isEqualTo("A");
        assertThat(headers.value(2)).isEqualTo("3");
        assertThatThrownBy(() -> headers.name(3)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void builderAddKeepsExistingValues() {
        Headers headers = Headers.builder().add("X-A", "1").add("x-a", "2").build();

        assertThat(headers.getAll("X-A")).containsExactly("1", "2");
    }

    @Test
    void namesMatchIgnoringAsciiCaseOnly() {
        Headers headers = Headers.of("X-Forwarded-For", "a", "X-Forwarded-Port", "b", "K", "c", "A@", "d");

        assertThat(headers.get("x-forwarded-for")).isEqualTo("a");
        assertThat(headers.get("X-FORWARDED-PORT")).isEqualTo("b");
        assertThat(headers.get("X-Forwarded-Fo")).isNull();
        assertThat(headers.get("\u212A")).isNull(); // the Kelvin sign, which Unicode case folding takes for K
        assertThat(headers.get("k")).isEqualTo("c");
        assertThat(headers.get("a`")).isNull(); // '@' and '`' differ by the case bit but are not letters
        assertThat(headers.get("a@")).isEqualTo("d");
        assertThat(headers.toBuilder().remove("\u212A").build().size()).isEqualTo(4);
    }

    @Test
    void builderSetReplacesEveryValueWhateverTheCase() {
        Headers headers = Headers.builder().add("X-A", "1").add("X-B", "b").add("x-a", "2").set("X-a", "3").build();

        assertThat(headers.getAll("X-A")).containsExactly("3");
        assertThat(headers.get("X-B")).isEqualTo("b");
        assertThat(headers.size()).isEqualTo(2);
        assertThat(headers.name(1)).isEqualTo("X-a");
    }

    @Test
    void builderRemoveRemovesEveryValueAndKeepsTheRestInOrder() {
        Headers headers = Headers.builder()
                .add("A", "1").add("X-Gone", "g1").add("B", "2").add("x-gone", "g2").add("C", "3")
                .remove("X-GONE")
                .build();

        assertThat(headers.contains("X-Gone")).isFalse();
        assertThat(headers.names()).containsExactly("A", "B", "C");
        assertThat(headers.size()).isEqualTo(3);
    }

    @Test
    void removingAnAbsentFieldChangesNothing() {
        Headers original = Headers.of("A", "1");

        assertThat(original.toBuilder().remove("B").build()).isEqualTo(original);
    }

    @Test
    void removingEveryFieldGivesTheEmptyHeaders() {
        Headers headers = Headers.of("A", "1", "a", "2").toBuilder().remove("A").build();

        assertThat(headers.size()).isZero();
        assertThat(headers).isEqualTo(Headers.empty());
    }

    @Test
    void builderGetSeesWhatWasBuiltSoFar() {
        Headers.Builder builder = Headers.builder().add("X-A", "1");

        assertThat(builder.get("x-a")).isEqualTo("1");
        assertThat(builder.remove("X-A").get("X-A")).isNull();
    }

    @Test
    void toBuilderChangesDoNotReachTheOriginal() {
        Headers original = Headers.of("A", "1", "B", "2", "C", "3");

        Headers changed = original.toBuilder().add("D", "4").set("A", "9").remove("B").build();

        assertThat(original.getAll("A")).containsExactly("1");
        assertThat(original.get("B")).isEqualTo("2");
        assertThat(original.contains("D")).isFalse();
        assertThat(original.size()).isEqualTo(3);
        assertThat(original.names()).containsExactly("A", "B", "C");
        assertThat(changed.names()).containsExactly("C", "D", "A");
    }

    @Test
    void removeOnAToBuilderDoesNotReachTheOriginal() {
        Headers original = Headers.of("A", "1", "B", "2", "C", "3");

        original.toBuilder().remove("A").build();

        assertThat(original.name(0)).isEqualTo("A");
        assertThat(original.name(1)).isEqualTo("B");
        assertThat(original.name(2)).isEqualTo("C");
    }

    @Test
    void removeIfRemovesEveryFieldItsPredicateAcceptsAndKeepsTheRestInOrder() {
        Headers original = Headers.of("X-A", "1", "Via", "v", "x-b", "2", "Accept", "a", "X-C", "3");

        Headers kept = original.toBuilder().removeIf(name -> name.regionMatches(true, 0, "x-", 0, 2)).build();

        assertThat(kept).isEqualTo(Headers.of("Via", "v", "Accept", "a"));
        assertThat(original.size()).isEqualTo(5);
        assertThat(original.get("x-b")).isEqualTo("2");
        assertThat(original.toBuilder().removeIf(name -> false).build()).isEqualTo(original);
    }

    @Test
    void twoBuildersFromTheSameHeadersDoNotShareWrites() {
        Headers base = Headers.builder().add("A", "1").build();

        Headers first = base.toBuilder().add("X", "first").build();
        Headers second = base.toBuilder().add("X", "second").build();

        assertThat(first.getAll("X")).containsExactly("first");
        assertThat(second.getAll("X")).containsExactly("second");
        assertThat(base.contains("X")).isFalse();
    }

    @Test
    void builderReusedAfterBuildDoesNotChangeWhatItBuilt() {
        Headers.Builder builder = Headers.builder().add("A", "1").add("B", "2");
        Headers first = builder.build();

        builder.add("C", "3");
        Headers second = builder.build();
        builder.set("A", "changed").remove("B");
        Headers third = builder.build();

        assertThat(first).isEqualTo(Headers.of("A", "1", "B", "2"));
        assertThat(second).isEqualTo(Headers.of("A", "1", "B", "2", "C", "3"));
        assertThat(third).isEqualTo(Headers.of("C", "3", "A", "changed"));
    }

    @Test
    void builderReusedAfterRemoveThenBuildDoesNotChangeWhatItBuilt() {
        Headers.Builder builder = Headers.builder().add("A", "1").add("B", "2").add("C", "3");
        builder.remove("A");
        Headers first = builder.build();

        builder.remove("B");
        builder.add("D", "4");

        assertThat(first).isEqualTo(Headers.of("B", "2", "C", "3"));
    }

    @Test
    void manyFieldsGrowTheBuilderWithoutLosingAny() {
        Headers.Builder builder = Headers.builder();
        for (int i = 0; i < 100; i++) {
            builder.add("X-" + i, String.valueOf(i));
        }
        Headers headers = builder.build();

        assertThat(headers.size()).isEqualTo(100);
        assertThat(headers.get("x-0")).isEqualTo("0");
        assertThat(headers.get("X-99")).isEqualTo("99");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\rb", "a\nb", "a\r\nInjected: yes", "\n", "a\u0000b"})
    void crLfAndNulInValuesAreRejected(String value) {
        assertThatThrownBy(() -> Headers.builder().add("X-A", value))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("X-A");
        assertThatThrownBy(() -> Headers.builder().set("X-A", value)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Headers.of("X-A", value)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Request.builder("GET", "/").header("X-A", value)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Request.builder("GET", "/").addHeader("X-A", value)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Response.builder(200).header("X-A", value)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "X A", "X:A", "X\rA", "X\nA", "Ü", "X\u007fA"})
    void invalidNamesAreRejected(String name) {
        assertThatThrownBy(() -> Headers.builder().add(name, "v")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nullNamesAndValuesAreRejected() {
        assertThatThrownBy(() -> Headers.builder().add(null, "v")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Headers.builder().add("X", null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void valuesMayHoldTabsAndNonAsciiText() {
        Headers headers = Headers.of("X-A", "a\tb", "X-B", "café");

        assertThat(headers.get("X-A")).isEqualTo("a\tb");
        assertThat(headers.get("X-B")).isEqualTo("café");
    }

    @Test
    void oddNameValueCountIsRejected() {
        assertThatThrownBy(() -> Headers.of("A", "1", "B"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("odd count 3");
    }

    @Test
    void equalityIgnoresNameCaseButNotValueCaseOrOrder() {
        assertThat(Headers.of("Accept", "A")).isEqualTo(Headers.of("accept", "A"));
        assertThat(Headers.of("Accept", "A")).hasSameHashCodeAs(Headers.of("ACCEPT", "A"));
        assertThat(Headers.of("Accept", "A")).isNotEqualTo(Headers.of("Accept", "a"));
        assertThat(Headers.of("A", "1", "B", "2")).isNotEqualTo(Headers.of("B", "2", "A", "1"));
        assertThat(Headers.of("A", "1")).isNotEqualTo(Headers.of("A", "1", "A", "1"));
    }

    @Test
    void emptyHeadersHaveNothing() {
        assertThat(Headers.empty().size()).isZero();
        assertThat(Headers.empty().names()).isEmpty();
        assertThat(Headers.builder().build()).isSameAs(Headers.empty());
    }
}
