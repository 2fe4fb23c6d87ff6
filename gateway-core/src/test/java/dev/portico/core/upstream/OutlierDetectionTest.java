package dev.portico.core.upstream;

import dev.portico.core.GatewayException;
import dev.portico.core.Request;
import dev.portico.core.upstream.CallOutcome.Kind;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Passive and active health as a state machine on an injected clock: ejection, its growth, its cap, panic. */
class OutlierDetectionTest {

    private static final Request GET = Request.builder("GET", "/").build();
    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong now = new AtomicLong(1_000 * SECOND);

    private Upstream upstream(int instances, OutlierDetection outliers) {
        Upstream.Builder builder = Upstream.builder("app").outlierDetection(outliers).nanos(now::get);
        for (int i = 1; i <= instances; i++) {
            builder.instance("http://10.0.0." + i + ":8080");
        }
        return builder.build();
    }

    private static OutlierDetection.Builder threeFailures() {
        return OutlierDetection.builder().consecutiveFailures(3).baseEjectionTime(Duration.ofSeconds(10))
                .maxEjectionTime(Duration.ofSeconds(25)).maxEjectedShare(0.5);
    }

    private static void report(Upstream upstream, Endpoint endpoint, Kind kind, int status, int times) {
        for (int i = 0; i < times; i++) {
            CallOutcome outcome = new CallOutcome("app", endpoint, kind, status, Duration.ZERO, false);
            for (CallListener listener : upstream.listeners()) {
                listener.onOutcome(outcome);
            }
        }
    }

    private void advance(long seconds) {
        now.addAndGet(seconds * SECOND);
    }

    @Test
    void consecutiveFailuresEjectAnInstanceUntilItsTimeIsUp() {
        Upstream app = upstream(2, threeFailures().build());
        Endpoint a = app.endpoints().get(0);

        report(app, a, Kind.CONNECT_FAILURE, 0, 1);
        report(app, a, Kind.RESPONSE, 503, 1);
        assertThat(app.availableEndpoints()).contains(a);
        report(app, a, Kind.TIMEOUT, 0, 1);

        assertThat(app.availableEndpoints()).containsExactly(app.endpoints().get(1));
        for (int i = 0; i < 10; i++) {
            assertThat(app.choose(GET, null, Set.of())).isNotEqualTo(a);
        }
        advance(9);
        assertThat(app.availableEndpoints()).doesNotContain(a);
        advance(1);
        assertThat(app.availableEndpoints()).containsExactlyElementsOf(app.endpoints());
    }

    @Test
    void ejectionsPanicAndReturnsAreLoggedOutsideTheLockThatIoThreadsWaitOn() {
        Upstream app = upstream(1, threeFailures().build());
        Endpoint a = app.endpoints().get(0);
        List<String> logged = new ArrayList<>();
        Logger logger = Logger.getLogger(Instances.class.getName());
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add((Thread.holdsLock(app.instances()) ? "under the lock: " : "") + record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(handler);
        try {
            report(app, a, Kind.CONNECT_FAILURE, 0, 3); // ejects the only instance: panic
            advance(10);
            assertThat(app.availableEndpoints()).containsExactly(a); // its ejection ends
        } finally {
            logger.removeHandler(handler);
        }

        assertThat(logged).hasSize(3).noneMatch(message -> message.startsWith("under the lock"));
        assertThat(String.join("\n", logged)).contains("ejected", "every instance is out", "returns from ejection");
    }

    @Test
    void aSuccessfulResponseStartsTheCountAgain() {
        Upstream app = upstream(2, threeFailures().build());
        Endpoint a = app.endpoints().get(0);

        report(app, a, Kind.RESET, 0, 2);
        report(app, a, Kind.RESPONSE, 404, 1);
        report(app, a, Kind.PROTOCOL_ERROR, 0, 2);

        assertThat(app.availableEndpoints()).contains(a);
    }

    @Test
    void cancelledCallsRetriedResetsAndNonFailureStatusesDoNotCount() {
        Upstream app = upstream(2, threeFailures().failureStatuses(502, 503, 504).build());
        Endpoint a = app.endpoints().get(0);

        report(app, a, Kind.CANCELLED, 0, 5);
        report(app, a, Kind.BODY_ABORTED, 500, 5);
        report(app, a, Kind.RESPONSE, 500, 5); // not among the failure statuses: a success
        for (int i = 0; i < 5; i++) {
            for (CallListener listener : app.listeners()) {
                listener.onOutcome(new CallOutcome("app", a, Kind.RESET, 0, Duration.ZERO, true));
            }
        }

        assertThat(app.availableEndpoints()).contains(a);
        report(app, a, Kind.RESPONSE, 502, 3);
        assertThat(app.availableEndpoints()).doesNotContain(a);
    }

    @Test
    void eachEjectionLastsLongerUpToTheMaximum() {
        Upstream app = upstream(2, threeFailures().build());
        Endpoint a = app.endpoints().get(0);
        List<Long> lengths = new ArrayList<>();
        for (int ejection = 0; ejection < 4; ejection++) {
            report(app, a, Kind.CONNECT_FAILURE, 0, 3);
            long seconds = 0;
            while (!app.availableEndpoints().contains(a)) {
                advance(1);
                seconds++;
            }
            lengths.add(seconds);
        }

        assertThat(lengths).containsExactly(10L, 20L, 25L, 25L);
    }

    @Test
    void timeBackInBalancingForgivesPastEjections() {
        Upstream app = upstream(2, threeFailures().build());
        Endpoint a = app.endpoints().get(0);
        report(app, a, Kind.CONNECT_FAILURE, 0, 3);
        advance(10);
        report(app, a, Kind.CONNECT_FAILURE, 0, 3); // second ejection: 20 s
        advance(20);
        assertThat(app.availableEndpoints()).contains(a);

        advance(20); // two base times back: both forgiven
        report(app, a, Kind.CONNECT_FAILURE, 0, 3);
        advance(10);

        assertThat(app.availableEndpoints()).contains(a);
    }

    @Test
    void neverMoreThanTheMaxShareOfInstancesIsEjected() {
        Upstream app = upstream(4, threeFailures().maxEjectedShare(0.5).build());
        for (Endpoint endpoint : app.endpoints()) {
            report(app, endpoint, Kind.CONNECT_FAILURE, 0, 3);
        }

        assertThat(app.availableEndpoints()).hasSize(2);
    }

    @Test
    void oneInstanceMayAlwaysBeEjectedEvenAtAZeroShare() {
        Upstream app = upstream(3, threeFailures().maxEjectedShare(0).build());
        for (Endpoint endpoint : app.endpoints()) {
            report(app, endpoint, Kind.CONNECT_FAILURE, 0, 3);
        }

        assertThat(app.availableEndpoints()).hasSize(2);
    }

    @Test
    void whenEveryInstanceIsOutCallsGoToAllOfThem() {
        Upstream app = upstream(1, threeFailures().build());
        Endpoint only = app.endpoints().get(0);
        report(app, only, Kind.CONNECT_FAILURE, 0, 3);

        assertThat(app.instances().view().panic()).isTrue();
        assertThat(app.instances().state(only).ejected).isTrue();
        assertThat(app.choose(GET, null, Set.of())).isEqualTo(only);
    }

    @Test
    void activeChecksTakeAnInstanceOutAndBringItBack() {
        Upstream app = upstream(2, threeFailures().build());
        Endpoint a = app.endpoints().get(0);
        HealthCheck check = HealthCheck.builder("/health").unhealthyThreshold(2).healthyThreshold(3).build();

        app.instances().checked(a, false, check);
        assertThat(app.availableEndpoints()).contains(a);
        app.instances().checked(a, false, check);
        assertThat(app.availableEndpoints()).doesNotContain(a);
        app.instances().checked(a, true, check);
        app.instances().checked(a, true, check);
        assertThat(app.availableEndpoints()).doesNotContain(a);
        app.instances().checked(a, true, check);
        assertThat(app.availableEndpoints()).contains(a);
    }

    @Test
    void aRetryAvoidsTheInstancesAlreadyTried() {
        Upstream app = Upstream.of("app", "http://10.0.0.1:8080", "http://10.0.0.2:8080", "http://10.0.0.3:8080");
        Endpoint a = app.endpoints().get(0);
        Endpoint b = app.endpoints().get(1);

        for (int i = 0; i < 6; i++) {
            assertThat(app.choose(GET, null, Set.of(a, b))).isEqualTo(app.endpoints().get(2));
        }
        assertThat(app.choose(GET, null, Set.copyOf(app.endpoints()))).isIn(app.endpoints());
    }

    @Test
    void anUpdateKeepsTheStateOfInstancesThatStayAndRetiresThoseThatLeave() {
        Upstream app = upstream(3, threeFailures().build());
        Endpoint a = app.endpoints().get(0);
        Endpoint c = app.endpoints().get(2);
        List<Endpoint> retired = new ArrayList<>();
        app.instances().onRetired(retired::add);
        report(app, a, Kind.CONNECT_FAILURE, 0, 3);
        Endpoint d = new Endpoint("http", "10.0.0.4", 8080, "");

        app.instances().update(List.of(a, app.endpoints().get(1), d));

        assertThat(retired).containsExactly(c);
        assertThat(app.endpoints()).containsExactly(a, app.endpoints().get(1), d);
        assertThat(app.availableEndpoints()).doesNotContain(a).contains(d);
        report(app, c, Kind.CONNECT_FAILURE, 0, 3); // a late outcome of an instance that left changes nothing
        assertThat(app.availableEndpoints()).hasSize(2);
    }

    @Test
    void anUpstreamWhoseDiscoveryFoundNothingYetAnswers503() {
        Upstream app = Upstream.builder("app").discovery((name, update) -> () -> { }).build();

        assertThat(app.endpoints()).isEmpty();
        assertThatThrownBy(() -> app.choose(GET, null, Set.of())).isInstanceOf(GatewayException.class)
                .extracting(e -> ((GatewayException) e).status()).isEqualTo(503);
    }

    @Test
    void builderRefusesBothInstancesAndADiscoveryAndBadSettings() {
        assertThatThrownBy(() -> Upstream.builder("app").instance("http://a:1").discovery((n, u) -> () -> { }).build())
                .hasMessageContaining("both instances and a discovery");
        assertThatThrownBy(() -> Upstream.builder("app").instance("http://a:1", 0))
                .hasMessage("weight: 0 (expected: 1-10000)");
        assertThatThrownBy(() -> OutlierDetection.builder().consecutiveFailures(0))
                .hasMessage("consecutiveFailures: 0 (expected: > 0)");
        assertThatThrownBy(() -> OutlierDetection.builder().maxEjectedShare(1.5))
                .hasMessage("maxEjectedShare: 1.5 (expected: 0-1)");
        assertThatThrownBy(() -> HealthCheck.builder("health")).hasMessageContaining("expected: starts with '/'");
        assertThatThrownBy(() -> HealthCheck.builder("/h").expectedStatuses(300, 200))
                .hasMessageContaining("expectedStatuses: 300-200");
    }
}
