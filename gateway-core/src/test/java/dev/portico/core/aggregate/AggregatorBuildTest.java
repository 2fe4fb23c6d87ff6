package dev.portico.core.aggregate;

import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What an aggregator's description must satisfy at build, with messages that name what is wrong. */
class AggregatorBuildTest {

    private static final Upstream USERS = Upstream.of("users", "http://users:8080");

    @Test
    void findsDependenciesInPathQueryHeadersAndFanOut() {
        Part part = Part.get(USERS, "/a/{user.id}").query("q", "{orders.first}").header("X-B", "{profile.b}")
                .forEach("items.ids", 5).build();
        assertThat(part.dependencies()).containsExactlyInAnyOrder("user", "orders", "profile", "items");
        assertThat(Part.get(USERS, "/users/{sub}").query("tenant", "{claim.tenant}").header("X", "{header.X}")
                .query("q", "{query.q}").build().dependencies()).isEmpty();
    }

    @Test
    void rejectsAReferenceToAnUnknownPart() {
        assertThatThrownBy(() -> Aggregator.builder().part("a", Part.get(USERS, "/a/{ghost.id}")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("part a: reads part ghost");
    }

    @Test
    void rejectsACycle() {
        assertThatThrownBy(() -> Aggregator.builder()
                .part("a", Part.get(USERS, "/a/{b.id}"))
                .part("b", Part.get(USERS, "/b/{c.id}"))
                .part("c", Part.get(USERS, "/c/{a.id}"))
                .build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cycle: a -> b -> c -> a");
    }

    @Test
    void rejectsReservedDuplicateAndEmptyNames() {
        assertThatThrownBy(() -> Aggregator.builder().part("query", Part.get(USERS, "/a")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("query");
        assertThatThrownBy(() -> Aggregator.builder().part("a.b", Part.get(USERS, "/a")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Aggregator.builder().part("a", Part.get(USERS, "/a")).part("a", Part.get(USERS, "/b")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("declared twice");
        assertThatThrownBy(() -> Aggregator.builder().build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no parts");
    }

    @Test
    void rejectsMalformedTemplatesAndSettings() {
        assertThatThrownBy(() -> Part.get(USERS, "users")).hasMessageContaining("starts with '/'");
        assertThatThrownBy(() -> Part.get(USERS, "/users/{id")).hasMessageContaining("template");
        assertThatThrownBy(() -> Part.get(USERS, "/users/{}")).hasMessageContaining("template");
        assertThatThrownBy(() -> Part.get(USERS, "/a?x={sub}")).hasMessageContaining("query(name, value)");
        assertThatThrownBy(() -> Part.get(USERS, "/products/{each}").build()).hasMessageContaining("forEach");
        assertThatThrownBy(() -> Part.get(USERS, "/a").forEach("x.ids", 0)).hasMessageContaining("maxCalls: 0");
        assertThatThrownBy(() -> Part.get(USERS, "/a").timeout(Duration.ZERO)).hasMessageContaining("timeout: PT0S");
        assertThatThrownBy(() -> Aggregator.builder().deadline(Duration.ofSeconds(-1))).hasMessageContaining("deadline");
        assertThatThrownBy(() -> Aggregator.builder().forwardHeaders("Bad Header")).hasMessageContaining("header name");
    }

    @Test
    void keepsDeclarationOrderAndSettings() {
        Aggregator aggregator = Aggregator.builder()
                .part("b", Part.get(USERS, "/b").optional().timeout(Duration.ofMillis(300)).under("bee"))
                .part("a", Part.get(USERS, "/a").atRoot())
                .deadline(Duration.ofSeconds(1))
                .build();
        assertThat(aggregator.parts()).containsOnlyKeys("b", "a");
        assertThat(aggregator.parts().keySet()).containsExactly("b", "a");
        assertThat(aggregator.parts().get("b").isOptional()).isTrue();
        assertThat(aggregator.parts().get("b").key()).isEqualTo("bee");
        assertThat(aggregator.parts().get("a").isAtRoot()).isTrue();
        assertThat(aggregator.deadline()).isEqualTo(Duration.ofSeconds(1));
    }
}
