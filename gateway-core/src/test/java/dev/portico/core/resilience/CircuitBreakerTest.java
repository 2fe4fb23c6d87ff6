package dev.portico.core.resilience;

import dev.portico.core.resilience.CircuitBreaker.State;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The breaker's state machine, driven by an injected clock. */
class CircuitBreakerTest {

    private static final Duration FAST = Duration.ofMillis(5);

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final List<String> transitions = new ArrayList<>();

    private CircuitBreaker.Builder breaker() {
        return CircuitBreaker.builder().ticker(now::get).listener((from, to) -> transitions.add(from + ">" + to));
    }

    private static void calls(CircuitBreaker breaker, int successes, int failures) {
        for (int i = 0; i < successes; i++) {
            breaker.onSuccess(permitted(breaker), FAST);
        }
        for (int i = 0; i < failures; i++) {
            breaker.onFailure(permitted(breaker), FAST);
        }
    }

    private static long permitted(CircuitBreaker breaker) {
        long permission = breaker.tryAcquirePermission();
        assertThat(permission).as("a permission").isNotEqualTo(CircuitBreaker.NO_PERMISSION);
        return permission;
    }

    private static boolean refused(CircuitBreaker breaker) {
        return breaker.tryAcquirePermission() == CircuitBreaker.NO_PERMISSION;
    }

    @Test
    void staysClosedBelowTheMinimumNumberOfCalls() {
        CircuitBreaker breaker = breaker().window(10, 5).build();

        calls(breaker, 0, 4);

        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(transitions).isEmpty();
    }

    @Test
    void opensWhenTheFailureRateReachesItsThreshold() {
        CircuitBreaker breaker = breaker().window(10, 10).failureRate(0.5).build();

        calls(breaker, 5, 4);
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        calls(breaker, 0, 1);

        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(refused(breaker)).isTrue();
        assertThat(transitions).containsExactly("CLOSED>OPEN");
    }

    @Test
    void theWindowSlidesSoOldFailuresAgeOut() {
        CircuitBreaker breaker = breaker().window(4, 4).failureRate(0.75).build();

        calls(breaker, 0, 2);   // F F
        calls(breaker, 2, 0);   // F F S S: 50%
        calls(breaker, 2, 0);   // S S S S: the failures slid out
        calls(breaker, 0, 2);   // S S F F: 50%

        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        calls(breaker, 0, 1);   // S F F F: 75%
        assertThat(breaker.state()).isEqualTo(State.OPEN);
    }

    @Test
    void opensOnTheSlowCallRate() {
        CircuitBreaker breaker = breaker().window(4, 4).slowCalls(Duration.ofMillis(100), 0.5).build();

        for (int i = 0; i < 2; i++) {
            breaker.onSuccess(permitted(breaker), Duration.ofMillis(10));
        }
        breaker.onSuccess(permitted(breaker), Duration.ofMillis(100));
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        breaker.onSuccess(permitted(breaker), Duration.ofSeconds(1));

        assertThat(breaker.state()).isEqualTo(State.OPEN);
    }

    @Test
    void refusesWhileOpenThenHalfOpensAfterItsTimeAndClosesWhenTheTrialsSucceed() {
        CircuitBreaker breaker = breaker().window(2, 2).openFor(Duration.ofSeconds(10)).halfOpenCalls(2).build();
        calls(breaker, 0, 2);
        assertThat(breaker.retryAfter()).isEqualTo(Duration.ofSeconds(10));

        now.addAndGet(Duration.ofSeconds(9).toNanos());
        assertThat(refused(breaker)).isTrue();
        assertThat(breaker.retryAfter()).isEqualTo(Duration.ofSeconds(1));

        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        long first = permitted(breaker);
        long second = permitted(breaker);
        assertThat(refused(breaker)).as("only two trial calls").isTrue();
        breaker.onSuccess(first, FAST);
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        breaker.onSuccess(second, FAST);

        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(transitions).containsExactly("CLOSED>OPEN", "OPEN>HALF_OPEN", "HALF_OPEN>CLOSED");
        calls(breaker, 0, 1);
        assertThat(breaker.state()).as("the window started afresh").isEqualTo(State.CLOSED);
    }

    @Test
    void aFailedTrialOpensItAgainForAnotherPeriod() {
        CircuitBreaker breaker = breaker().window(2, 2).openFor(Duration.ofSeconds(5)).halfOpenCalls(3).build();
        calls(breaker, 0, 2);
        now.addAndGet(Duration.ofSeconds(5).toNanos());

        breaker.onFailure(permitted(breaker), FAST);

        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(refused(breaker)).isTrue();
        assertThat(breaker.retryAfter()).isEqualTo(Duration.ofSeconds(5));
        assertThat(transitions).containsExactly("CLOSED>OPEN", "OPEN>HALF_OPEN", "HALF_OPEN>OPEN");
    }

    @Test
    void aReleasedTrialPermissionCanBeTakenAgain() {
        CircuitBreaker breaker = breaker().window(1, 1).openFor(Duration.ofSeconds(1)).halfOpenCalls(1).build();
        calls(breaker, 0, 1);
        now.addAndGet(Duration.ofSeconds(1).toNanos());

        long trial = permitted(breaker);
        assertThat(refused(breaker)).isTrue();
        breaker.releasePermission(trial);

        permitted(breaker);
    }

    @Test
    void outcomesOfCallsLetThroughBeforeItOpenedChangeNothing() {
        CircuitBreaker breaker = breaker().window(2, 2).openFor(Duration.ofSeconds(1)).build();
        long early = permitted(breaker);
        long late = permitted(breaker);
        calls(breaker, 0, 2);

        breaker.onSuccess(early, FAST);
        breaker.onSuccess(late, FAST);

        assertThat(breaker.state()).isEqualTo(State.OPEN);
    }

    @Test
    void aHalfOpenBreakerIgnoresOutcomesOfCallsAdmittedBeforeItOpened() {
        CircuitBreaker breaker = breaker().window(2, 2).openFor(Duration.ofSeconds(1)).halfOpenCalls(1).build();
        long stale = permitted(breaker); // a slow call, still in flight when the breaker opens
        long staleToo = permitted(breaker);
        long staleThree = permitted(breaker);
        calls(breaker, 0, 2);
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        long trial = permitted(breaker);

        breaker.onSuccess(stale, FAST); // stale calls answer: no trial of the upstream as it is now
        breaker.releasePermission(staleToo);
        assertThat(breaker.state()).as("a stale success does not close it").isEqualTo(State.HALF_OPEN);
        assertThat(refused(breaker)).as("a stale release frees no trial: still one only").isTrue();
        breaker.onFailure(staleThree, FAST);
        assertThat(breaker.state()).as("a stale failure does not reopen it").isEqualTo(State.HALF_OPEN);

        breaker.onSuccess(trial, FAST);
        assertThat(breaker.state()).as("the real trial closes it").isEqualTo(State.CLOSED);
    }

    @Test
    void aRefusalWhileHalfOpenAsksForAtLeastASecond() {
        CircuitBreaker breaker = breaker().window(1, 1).openFor(Duration.ofSeconds(1)).halfOpenCalls(1).build();
        calls(breaker, 0, 1);
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        permitted(breaker);

        assertThat(refused(breaker)).isTrue();
        assertThat(breaker.retryAfter()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void refusesInvalidSettingsWithClearMessages() {
        assertThatThrownBy(() -> CircuitBreaker.builder().failureRate(0)).hasMessage("failureRate: 0.0 (expected: > 0 and <= 1)");
        assertThatThrownBy(() -> CircuitBreaker.builder().window(10, 11)).hasMessage("minimumCalls: 11 (expected: 1-10)");
        assertThatThrownBy(() -> CircuitBreaker.builder().openFor(Duration.ZERO)).hasMessage("openFor: PT0S (expected: > 0)");
        assertThatThrownBy(() -> CircuitBreaker.builder().halfOpenCalls(0)).hasMessage("halfOpenCalls: 0 (expected: >= 1)");
    }
}
