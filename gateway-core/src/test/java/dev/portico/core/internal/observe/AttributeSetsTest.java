package dev.portico.core.internal.observe;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class AttributeSetsTest {

    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");

    @Test
    void aSetIsBuiltOncePerKeyAndThenReused() {
        AttributeSets sets = new AttributeSets();
        AtomicInteger built = new AtomicInteger();

        Attributes first = sets.get(200, status -> {
            built.incrementAndGet();
            return Attributes.of(STATUS, (long) status);
        });
        Attributes again = sets.get(200, status -> {
            built.incrementAndGet();
            return Attributes.of(STATUS, (long) status);
        });
        Attributes other = sets.get(404, status -> Attributes.of(STATUS, (long) status));

        assertThat(again).isSameAs(first);
        assertThat(built).hasValue(1);
        assertThat(other.get(STATUS)).isEqualTo(404L);
    }

    @Test
    void pastItsBoundItStartsOver() {
        AttributeSets sets = new AttributeSets();

        for (int i = 0; i < AttributeSets.MAX * 3; i++) {
            sets.get(i, status -> Attributes.of(STATUS, (long) status));
        }

        assertThat(sets.size()).isLessThanOrEqualTo(AttributeSets.MAX);
    }
}
