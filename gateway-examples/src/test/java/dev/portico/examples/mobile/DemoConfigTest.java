package dev.portico.examples.mobile;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class DemoConfigTest {

    @Test
    void usesTheDefaultsForAnEmptyEnvironment() {
        assertThat(DemoConfig.fromEnvironment(Map.of()))
                .isEqualTo(new DemoConfig(8080, Duration.ZERO, Duration.ofSeconds(2), null))
                .isEqualTo(DemoConfig.defaults());
    }

    @Test
    void readsEveryVariable() {
        DemoConfig config = DemoConfig.fromEnvironment(Map.of(
                "GATEWAY_PORT", "9090",
                "DEMO_BACKEND_DELAY_MS", "250",
                "DEMO_ROUTE_TIMEOUT_MS", "750",
                "DEMO_FAIL_SERVICE", "Order"));

        assertThat(config).isEqualTo(new DemoConfig(9090, Duration.ofMillis(250), Duration.ofMillis(750), "order"));
    }

    @Test
    void treatsBlankVariablesAsAbsent() {
        assertThat(DemoConfig.fromEnvironment(Map.of("GATEWAY_PORT", " ", "DEMO_FAIL_SERVICE", "")))
                .isEqualTo(DemoConfig.defaults());
    }

    @Test
    void rejectsInvalidValuesNamingTheVariable() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DemoConfig.fromEnvironment(Map.of("GATEWAY_PORT", "http")))
                .withMessage("GATEWAY_PORT: http (expected: an integer from 0 to 65535)");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DemoConfig.fromEnvironment(Map.of("DEMO_ROUTE_TIMEOUT_MS", "0")))
                .withMessageStartingWith("DEMO_ROUTE_TIMEOUT_MS: 0");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DemoConfig.fromEnvironment(Map.of("DEMO_BACKEND_DELAY_MS", "-5")))
                .withMessageStartingWith("DEMO_BACKEND_DELAY_MS: -5");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DemoConfig.fromEnvironment(Map.of("DEMO_FAIL_SERVICE", "payments")))
                .withMessage("DEMO_FAIL_SERVICE: payments (expected: user, product or order)");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DemoConfig.fromEnvironment(Map.of("DEMO_FAIL_SERVICE", " Orders ")))
                .withMessage("DEMO_FAIL_SERVICE: Orders (expected: user, product or order)");
    }

    @Test
    void rejectsAnInvalidFailServiceGivenDirectlyNamingTheComponent() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new DemoConfig(8080, Duration.ZERO, Duration.ofSeconds(2), "payments"))
                .withMessage("failService: payments (expected: user, product or order)");
    }

    @Test
    void readsTheJwtSecretAndRefusesAShortOneWithoutEchoingIt() {
        String secret = "a-secret-of-at-least-thirty-two-bytes";
        assertThat(DemoConfig.fromEnvironment(Map.of("DEMO_JWT_SECRET", secret)).jwtSecret()).isEqualTo(secret);
        assertThat(DemoConfig.defaults().jwtSecret()).isEqualTo(DemoConfig.DEFAULT_JWT_SECRET);

        assertThatIllegalArgumentException()
                .isThrownBy(() -> DemoConfig.fromEnvironment(Map.of("DEMO_JWT_SECRET", "short-secret")))
                .withMessage("DEMO_JWT_SECRET: 12 bytes (expected: at least 32)")
                .withMessageNotContaining("short-secret");
    }

    @Test
    void readsDemoTracesLogOrNoneAndRejectsAnythingElse() {
        assertThat(DemoConfig.defaults().logTraces()).isFalse();
        assertThat(DemoConfig.fromEnvironment(Map.of("DEMO_TRACES", "log")))
                .isEqualTo(DemoConfig.defaults().withLogTraces(true));
        assertThat(DemoConfig.fromEnvironment(Map.of("DEMO_TRACES", " LOG ")).logTraces()).isTrue();
        assertThat(DemoConfig.fromEnvironment(Map.of("DEMO_TRACES", "none"))).isEqualTo(DemoConfig.defaults());

        assertThatIllegalArgumentException()
                .isThrownBy(() -> DemoConfig.fromEnvironment(Map.of("DEMO_TRACES", "otlp")))
                .withMessage("DEMO_TRACES: otlp (expected: log or none)");
    }

    @Test
    void readsTheRateLimitAndTheRedisUrl() {
        DemoConfig config = DemoConfig.fromEnvironment(Map.of(
                "DEMO_RATE_LIMIT_PER_MINUTE", "30", "REDIS_URL", "redis://127.0.0.1:6379"));

        assertThat(config.rateLimitPerMinute()).isEqualTo(30);
        assertThat(config.redisUrl()).isEqualTo("redis://127.0.0.1:6379");
        assertThat(DemoConfig.defaults().rateLimitPerMinute()).isEqualTo(600);
        assertThat(DemoConfig.defaults().redisUrl()).isNull();
    }

    @Test
    void refusesAnInvalidRateLimitOrRedisUrlWithoutEchoingTheUrl() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DemoConfig.fromEnvironment(Map.of("DEMO_RATE_LIMIT_PER_MINUTE", "0")))
                .withMessageStartingWith("DEMO_RATE_LIMIT_PER_MINUTE: 0");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DemoConfig.fromEnvironment(Map.of("DEMO_RATE_LIMIT_PER_MINUTE", "1000001")))
                .withMessageStartingWith("DEMO_RATE_LIMIT_PER_MINUTE: 1000001");
        assertThat(DemoConfig.fromEnvironment(Map.of("DEMO_RATE_LIMIT_PER_MINUTE", "1000000")).rateLimitPerMinute())
                .isEqualTo(1_000_000);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DemoConfig.fromEnvironment(Map.of("REDIS_URL", "http://user:hunter2@cache:6379")))
                .withMessage("REDIS_URL: expected redis://HOST:PORT or rediss://HOST:PORT")
                .withMessageNotContaining("hunter2");
    }
}
