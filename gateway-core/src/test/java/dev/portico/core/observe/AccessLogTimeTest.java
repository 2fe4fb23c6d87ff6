package dev.portico.core.observe;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class AccessLogTimeTest {

    private final AccessLog.UtcMillis times = new AccessLog.UtcMillis();

    private String format(long millis) {
        return times.append(new StringBuilder(), millis).toString();
    }

    @Test
    void formatsIsoUtcWithMillisecondsAlways() {
        assertThat(format(0)).isEqualTo("1970-01-01T00:00:00.000Z");
        assertThat(format(1_796_655_845_007L)).isEqualTo("2026-12-07T15:04:05.007Z");
        assertThat(format(1_796_655_845_120L)).isEqualTo("2026-12-07T15:04:05.120Z");
        assertThat(format(1_796_655_846_999L)).isEqualTo("2026-12-07T15:04:06.999Z");
    }

    @Test
    void agreesWithInstantAcrossSecondsAndBackwards() {
        SplittableRandom random = new SplittableRandom(7);
        long millis = 1_796_655_845_000L;
        for (int i = 0; i < 10_000; i++) {
            millis += random.nextInt(-1_500, 3_000); // a clock that also steps back
            assertThat(Instant.parse(format(millis)).toEpochMilli()).isEqualTo(millis);
        }
    }
}
