package dev.portico.core.upstream;

import dev.portico.core.Context;
import dev.portico.core.Request;
import dev.portico.core.internal.CoreAccess;
import dev.portico.core.upstream.CallOutcome.Kind;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** Each balancing policy's distribution, deterministically, without sockets. */
class LoadBalancerTest {

    private static final Request GET = Request.builder("GET", "/").build();

    private static Endpoint instance(int n, int weight) {
        return new Endpoint("http", "10.0.0." + n, 8080, "", weight);
    }

    private static List<Endpoint> instances(int count) {
        List<Endpoint> list = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            list.add(instance(i, 1));
        }
        return List.copyOf(list);
    }

    private static Request keyed(String key) {
        return Request.builder("GET", "/").header("X-User", key).build();
    }

    private static CallOutcome outcome(Endpoint endpoint, Kind kind, boolean retried) {
        return new CallOutcome("app", endpoint, kind, kind == Kind.RESPONSE ? 200 : 0, Duration.ZERO, retried);
    }

    @Test
    void weightedRoundRobinInterleavesPicksSmoothlyAsNginxDoes() {
        Endpoint a = instance(1, 5);
        Endpoint b = instance(2, 1);
        Endpoint c = instance(3, 1);
        LoadBalancer balancer = LoadBalancer.weightedRoundRobin();

        List<Endpoint> picks = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            picks.add(balancer.choose(List.of(a, b, c), GET, null));
        }

        assertThat(picks).containsExactly(a, a, b, a, c, a, a);
    }

    @Test
    void weightedRoundRobinGivesEachInstanceExactlyItsWeightsShare() {
        List<Endpoint> endpoints = List.of(instance(1, 3), instance(2, 2), instance(3, 1));
        LoadBalancer balancer = LoadBalancer.weightedRoundRobin();

        Map<Endpoint, Integer> counts = count(balancer, endpoints, 6000);

        assertThat(counts).containsEntry(endpoints.get(0), 3000).containsEntry(endpoints.get(1), 2000)
                .containsEntry(endpoints.get(2), 1000);
    }

    @Test
    void roundRobinIgnoresWeights() {
        List<Endpoint> endpoints = List.of(instance(1, 9), instance(2, 1));

        Map<Endpoint, Integer> counts = count(LoadBalancer.roundRobin(), endpoints, 100);

        assertThat(counts.values()).containsOnly(50);
    }

    @Test
    void leastRequestSendsAlmostNothingToAnInstanceWhoseCallsPileUp() {
        Endpoint slow = instance(1, 1);
        Endpoint quick = instance(2, 1);
        LeastRequest balancer = new LeastRequest();
        int toSlow = 0;
        for (int i = 0; i < 1000; i++) {
            Endpoint chosen = balancer.choose(List.of(slow, quick), GET, null);
            if (chosen == slow) {
                toSlow++; // never answers
            } else {
                balancer.onOutcome(outcome(quick, Kind.RESPONSE, false));
                balancer.onOutcome(outcome(quick, Kind.BODY_FINISHED, false));
            }
        }

        assertThat(toSlow).isEqualTo(1);
        assertThat(balancer.outstanding(slow)).isEqualTo(1);
        assertThat(balancer.outstanding(quick)).isZero();
    }

    @Test
    void leastRequestWeighsTheCallsInFlightByWeight() {
        Endpoint heavy = instance(1, 3);
        Endpoint light = instance(2, 1);
        LeastRequest balancer = new LeastRequest();

        Map<Endpoint, Integer> counts = count(balancer, List.of(heavy, light), 400); // none ever ends

        assertThat(counts.get(heavy)).isBetween(290, 310);
        assertThat(counts.get(light)).isBetween(90, 110);
    }

    @Test
    void leastRequestCountsAnAttemptUntilItsFinalOutcomeOnly() {
        Endpoint a = instance(1, 1);
        LeastRequest balancer = new LeastRequest();
        for (Kind kind : Kind.values()) {
            balancer.choose(List.of(a), GET, null);
        }
        assertThat(balancer.outstanding(a)).isEqualTo(Kind.values().length);

        balancer.onOutcome(outcome(a, Kind.RESPONSE, false));
        balancer.onOutcome(outcome(a, Kind.RESET, true));
        assertThat(balancer.outstanding(a)).isEqualTo(Kind.values().length);

        for (Kind kind : Kind.values()) {
            if (kind != Kind.RESPONSE) {
                balancer.onOutcome(outcome(a, kind, false));
            }
        }
        assertThat(balancer.outstanding(a)).isEqualTo(1);
        balancer.onOutcome(outcome(a, Kind.CANCELLED, false));
        balancer.onOutcome(outcome(a, Kind.CANCELLED, false)); // one too many never goes below zero
        assertThat(balancer.outstanding(a)).isZero();
    }

    @Test
    void leastRequestForgetsTheInstancesThatLeaveItsUpstream() throws Exception {
        AtomicReference<Consumer<List<Endpoint>>> found = new AtomicReference<>();
        Upstream upstream = Upstream.builder("app").loadBalancer(LoadBalancer.leastRequest())
                .discovery((name, update) -> {
                    found.set(update);
                    return () -> { };
                }).build();
        LeastRequest balancer = (LeastRequest) upstream.loadBalancer();
        try (AutoCloseable lease = CoreAccess.upstreams().retain(upstream, null, endpoint -> { })) {
            for (int i = 0; i < 1000; i++) { // DNS churn: every lookup a new address
                Endpoint now = new Endpoint("http", "10.0." + i / 250 + "." + i % 250, 8080, "", 1);
                found.get().accept(List.of(now));
                assertThat(upstream.choose(GET, null, Set.of())).isEqualTo(now);
                if (i % 2 == 0) {
                    balancer.onOutcome(outcome(now, Kind.BODY_FINISHED, false));
                } // else still in flight when its instance leaves
            }
        }

        assertThat(balancer.tracked()).as("only the instance still in the upstream").isEqualTo(1);
    }

    @Test
    void weightedRoundRobinForgetsTheInstancesThatLeaveItsUpstream() throws Exception {
        AtomicReference<Consumer<List<Endpoint>>> found = new AtomicReference<>();
        Upstream upstream = Upstream.builder("app").loadBalancer(LoadBalancer.weightedRoundRobin())
                .discovery((name, update) -> {
                    found.set(update);
                    return () -> { };
                }).build();
        WeightedRoundRobin balancer = (WeightedRoundRobin) upstream.loadBalancer();
        Endpoint kept = new Endpoint("http", "10.1.0.1", 8080, "", 2);
        try (AutoCloseable lease = CoreAccess.upstreams().retain(upstream, null, endpoint -> { })) {
            for (int i = 0; i < 1000; i++) { // DNS churn: one address stays, the other is new at every lookup
                Endpoint now = new Endpoint("http", "10.0." + i / 250 + "." + i % 250, 8080, "", 1);
                found.get().accept(List.of(kept, now));
                upstream.choose(GET, null, Set.of());
            }
        }

        assertThat(balancer.tracked()).as("the two instances still in the upstream").isEqualTo(2);
    }

    @Test
    void aBalancerThatListensHearsItsUpstreamsOutcomes() {
        Upstream upstream = Upstream.builder("app").instance("http://10.0.0.1:8080")
                .loadBalancer(LoadBalancer.leastRequest()).build();

        assertThat(upstream.listeners()).contains((CallListener) upstream.loadBalancer());
    }

    @Test
    void consistentHashSendsEachKeyToOneInstanceAndSpreadsKeysEvenly() {
        List<Endpoint> endpoints = instances(5);
        LoadBalancer balancer = LoadBalancer.consistentHash(HashKey.header("X-User"));
        Map<Endpoint, Integer> counts = new HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            Endpoint first = balancer.choose(endpoints, keyed("user-" + i), null);
            assertThat(balancer.choose(endpoints, keyed("user-" + i), null)).isEqualTo(first);
            counts.merge(first, 1, Integer::sum);
        }

        assertThat(counts).hasSize(5);
        assertThat(counts.values()).allSatisfy(n -> assertThat(n).isBetween(1300, 2700));
    }

    @Test
    void addingAnInstanceMovesOnlyAboutOneNthOfTheKeysAllToIt() {
        List<Endpoint> ten = instances(10);
        List<Endpoint> eleven = instances(11);
        LoadBalancer balancer = LoadBalancer.consistentHash(HashKey.header("X-User"));
        Map<String, Endpoint> before = new HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            before.put("user-" + i, balancer.choose(ten, keyed("user-" + i), null));
        }

        int moved = 0;
        for (Map.Entry<String, Endpoint> entry : before.entrySet()) {
            Endpoint now = balancer.choose(eleven, keyed(entry.getKey()), null);
            if (!now.equals(entry.getValue())) {
                moved++;
                assertThat(now).isEqualTo(eleven.get(10));
            }
        }

        assertThat(moved).isBetween(400, 1600); // 1/11 is 909
    }

    @Test
    void removingAnInstanceMovesOnlyItsOwnKeys() {
        List<Endpoint> ten = instances(10);
        List<Endpoint> nine = ten.subList(1, 10);
        LoadBalancer balancer = LoadBalancer.consistentHash(HashKey.header("X-User"));
        Map<String, Endpoint> before = new HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            before.put("user-" + i, balancer.choose(ten, keyed("user-" + i), null));
        }

        for (Map.Entry<String, Endpoint> entry : before.entrySet()) {
            Endpoint now = balancer.choose(nine, keyed(entry.getKey()), null);
            if (!entry.getValue().equals(ten.get(0))) {
                assertThat(now).isEqualTo(entry.getValue());
            } else {
                assertThat(now).isNotEqualTo(ten.get(0));
            }
        }
    }

    @Test
    void aRetrysUntriedInstancesNeverRebuildTheRingOfTheAvailableOnes() {
        List<Endpoint> ten = instances(10);
        List<Endpoint> five = List.copyOf(ten.subList(0, 5)); // the upstream's list with half of them ejected
        ConsistentHash balancer = new ConsistentHash(HashKey.header("X-User"));
        balancer.choose(ten, keyed("user"), null);
        balancer.choose(five, keyed("user"), null);
        balancer.choose(five, keyed("user"), null);
        ConsistentHash.Ring ring = balancer.ring();

        for (int i = 0; i < 100; i++) {
            Endpoint first = balancer.choose(five, keyed("user-" + i), null);
            List<Endpoint> untried = new ArrayList<>(five); // each retry passes a list of its own
            untried.remove(first);
            Endpoint retried = balancer.choose(untried, keyed("user-" + i), null);
            assertThat(retried).isIn(untried);
            assertThat(balancer.ring()).as("the ring after retry %d", i).isSameAs(ring);
        }

        List<Endpoint> two = List.copyOf(ten.subList(0, 2)); // most ejected: the upstream passes this list from now on
        balancer.choose(two, keyed("user"), null);
        balancer.choose(two, keyed("user"), null);
        assertThat(balancer.ring().members).as("a ring as small as the instances left").hasSize(2);
    }

    @Test
    void consistentHashGivesAHeavierInstanceMoreKeys() {
        List<Endpoint> endpoints = List.of(instance(1, 3), instance(2, 1));
        LoadBalancer balancer = LoadBalancer.consistentHash(HashKey.header("X-User"));
        int heavy = 0;
        for (int i = 0; i < 10_000; i++) {
            if (balancer.choose(endpoints, keyed("user-" + i), null).equals(endpoints.get(0))) {
                heavy++;
            }
        }

        assertThat(heavy).isBetween(6500, 8500);
    }

    @Test
    void aCallWithoutAKeyIsBalancedRoundRobin() {
        List<Endpoint> endpoints = instances(3);
        LoadBalancer balancer = LoadBalancer.consistentHash(HashKey.header("X-User"));

        Map<Endpoint, Integer> counts = count(balancer, endpoints, 300);

        assertThat(counts.values()).containsOnly(100);
    }

    @Test
    void hashKeysReadACookieAHeaderAndTheClientAddress() {
        Request request = Request.builder("GET", "/")
                .header("Cookie", "theme=dark; session=abc123;  other=x")
                .header("X-User", "ann")
                .build();
        Context context = context(new InetSocketAddress("192.0.2.7", 5000));

        assertThat(HashKey.cookie("session").of(request, context)).isEqualTo("abc123");
        assertThat(HashKey.cookie("other").of(request, context)).isEqualTo("x");
        assertThat(HashKey.cookie("sess").of(request, context)).isNull();
        assertThat(HashKey.cookie("session").of(GET, context)).isNull();
        assertThat(HashKey.header("X-User").of(request, context)).isEqualTo("ann");
        assertThat(HashKey.clientAddress().of(request, context)).isEqualTo("192.0.2.7");
    }

    private static Context context(InetSocketAddress client) {
        return (Context) Proxy.newProxyInstance(Context.class.getClassLoader(), new Class<?>[]{Context.class},
                (proxy, method, args) -> method.getName().equals("clientAddress") ? client : null);
    }

    private static Map<Endpoint, Integer> count(LoadBalancer balancer, List<Endpoint> endpoints, int calls) {
        Map<Endpoint, Integer> counts = new HashMap<>();
        for (int i = 0; i < calls; i++) {
            counts.merge(balancer.choose(endpoints, GET, null), 1, Integer::sum);
        }
        return counts;
    }
}
