package dev.portico.core.resilience;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Retry policy values: which methods and statuses, the jittered backoff, and the budget's rule. */
class RetryPolicyTest {

    @Test
    void retriesIdempotentMethodsOnlyUnlessAllowed() {
        RetryPolicy defaults = RetryPolicy.defaults();
        assertThat(defaults.retriesMethod("GET")).isTrue();
        assertThat(defaults.retriesMethod("PUT")).isTrue();
        assertThat(defaults.retriesMethod("DELETE")).isTrue();
        assertThat(defaults.retriesMethod("POST")).isFalse();
        assertThat(defaults.retriesMethod("PATCH")).isFalse();
        assertThat(RetryPolicy.builder().nonIdempotent(true).build().retriesMethod("POST")).isTrue();
    }

    @Test
    void retriesGatewayErrorStatusesByDefaultOrTheConfiguredOnes() {
        assertThat(RetryPolicy.defaults().statuses()).containsExactly(502, 503, 504);
        assertThat(RetryPolicy.defaults().retriesStatus(500)).isFalse();
        RetryPolicy custom = RetryPolicy.builder().statuses(429, 503).build();
        assertThat(custom.retriesStatus(429)).isTrue();
        assertThat(custom.retriesStatus(502)).isFalse();
    }

    @Test
    void backoffIsFullJitterUnderAnExponentialCeilingCappedAtTheMaximum() {
        RetryPolicy policy = RetryPolicy.builder().backoff(Duration.ofMillis(10), Duration.ofMillis(35)).build();
        long[] ceilings = {10, 20, 35, 35, 35};
        for (int retry = 1; retry <= ceilings.length; retry++) {
            long max = 0;
            for (int i = 0; i < 2_000; i++) {
                long wait = policy.backoffNanos(retry);
                assertThat(wait).isBetween(0L, Duration.ofMillis(ceilings[retry - 1]).toNanos());
                max = Math.max(max, wait);
            }
            assertThat(max).as("retry %d reaches near its ceiling", retry)
                    .isGreaterThan(Duration.ofMillis(ceilings[retry - 1]).toNanos() / 2);
        }
        assertThat(RetryPolicy.builder().backoff(Duration.ZERO, Duration.ZERO).build().backoffNanos(3)).isZero();
        assertThat(policy.backoffNanos(60)).isBetween(0L, Duration.ofMillis(35).toNanos());
    }

    @Test
    void noneMakesOneAttempt() {
        assertThat(RetryPolicy.none().maxAttempts()).isEqualTo(1);
    }

    @Test
    void theBudgetAllowsRetriesUpToItsShareOfActiveRequestsOrItsMinimum() {
        RetryBudget budget = RetryBudget.of(0.2, 3);
        assertThat(budget.allows(2, 1)).isTrue();
        assertThat(budget.allows(3, 1)).isFalse();
        assertThat(budget.allows(19, 100)).isTrue();
        assertThat(budget.allows(20, 100)).isFalse();
        assertThat(RetryBudget.of(0, 0).allows(0, 1000)).isFalse();
    }

    @Test
    void refusesInvalidSettingsWithClearMessages() {
        assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0)).hasMessage("maxAttempts: 0 (expected: 1-10)");
        assertThatThrownBy(() -> RetryPolicy.builder().backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessage("max: PT1S (expected: >= base PT2S)");
        assertThatThrownBy(() -> RetryPolicy.builder().statuses(700)).hasMessage("status: 700 (expected: 100-599)");
        assertThatThrownBy(() -> RetryBudget.of(1.5, 3)).hasMessage("ratio: 1.5 (expected: 0-1)");
    }
}
