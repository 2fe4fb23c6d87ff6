package dev.portico.grpc.internal;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** google.api.http path templates as route patterns, and the templates routes cannot express. */
class PathTemplateTest {

    @Test
    void turnsVariablesIntoCapturesOfTheirFieldPaths() {
        PathTemplate template = PathTemplate.parse("/v1/shelves/{shelf}/items/{item.id}/tags/{tag=*}");

        assertThat(template.pattern()).isEqualTo("/v1/shelves/{shelf}/items/{item-id}/tags/{tag}");
        assertThat(template.captures()).isEqualTo(Map.of("shelf", "shelf", "item-id", "item.id", "tag", "tag"));
    }

    @Test
    void keepsALiteralTemplateAsItIs() {
        assertThat(PathTemplate.parse("/v1/items").pattern()).isEqualTo("/v1/items");
        assertThat(PathTemplate.parse("/v1/items").captures()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/{name=shelves/*}", "/v1/files/**", "/v1/items/{id}:cancel", "/v1/a{b}", "v1/items", "/v1/{}"})
    void refusesWhatRoutesCannotExpress(String template) {
        assertThatIllegalArgumentException().isThrownBy(() -> PathTemplate.parse(template))
                .withMessageContaining(template);
    }
}
