package dev.portico.graphql;

import dev.portico.graphql.internal.UrlTemplate;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Templates render encoded values, leave out a query parameter without value, and refuse a path without one. */
class UrlTemplateTest {

    @Test
    void rendersEncodedValuesAndLeavesOutEmptyQueryParameters() {
        UrlTemplate template = UrlTemplate.parse("/users/{id}/orders?status={status}&limit={limit}&fixed=1");

        String[] rendered = template.render(Map.<String, Object>of("id", "a b/é", "limit", 5L)::get);

        assertThat(rendered).containsExactly("/users/a%20b%2F%C3%A9/orders", "limit=5&fixed=1");
        assertThat(template.placeholders()).containsExactly("id", "status", "limit");
    }

    @Test
    void joinsACollectionWithCommas() {
        String[] rendered = UrlTemplate.parse("/users?ids={keys}").render(Map.<String, Object>of("keys", List.of("a,b", "c", 3.0))::get);

        assertThat(rendered).containsExactly("/users", "ids=a%2Cb,c,3");
    }

    @Test
    void refusesAPathPlaceholderWithoutAUsableValue() {
        UrlTemplate template = UrlTemplate.parse("/users/{id}");

        assertThatThrownBy(() -> template.render(name -> null)).isInstanceOfSatisfying(UrlTemplate.Unusable.class,
                missing -> assertThat(missing.unusableValue()).isFalse()).hasMessage("no usable value for {id}");
        assertThatThrownBy(() -> template.render(name -> "..")).isInstanceOfSatisfying(UrlTemplate.Unusable.class,
                dots -> assertThat(dots.unusableValue()).isTrue());
    }

    @Test
    void refusesMalformedTemplates() {
        assertThatThrownBy(() -> UrlTemplate.parse("users")).hasMessageContaining("expected: a path starting with /");
        assertThatThrownBy(() -> UrlTemplate.parse("/users/{id")).hasMessageContaining("expected: {name} placeholders");
        assertThatThrownBy(() -> UrlTemplate.parse("/users/{}")).hasMessageContaining("expected: {name} placeholders");
        assertThatThrownBy(() -> UrlTemplate.parse("/users?{x}")).hasMessageContaining("expected: name=value pairs");
    }
}
