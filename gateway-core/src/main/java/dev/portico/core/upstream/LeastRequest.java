package dev.portico.core.upstream;

import dev.portico.core.Context;
import dev.portico.core.Request;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Least outstanding requests by the power of two choices: of two candidates drawn at random, the one with fewer
 * attempts in flight per unit of weight. It counts an attempt from its choice to its final outcome, and forgets an
 * instance when it leaves its upstream.
 */
final class LeastRequest implements LoadBalancer, CallListener, ForgetsInstances {

    private final ConcurrentHashMap<Endpoint, AtomicInteger> outstanding = new ConcurrentHashMap<>();

    @Override
    public Endpoint choose(List<Endpoint> endpoints, Request request, Context context) {
        int n = endpoints.size();
        Endpoint chosen;
        AtomicInteger count;
        if (n == 1) {
            chosen = endpoints.get(0);
            count = counter(chosen);
        } else {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int i = random.nextInt(n);
            int j = random.nextInt(n - 1);
            if (j >= i) {
                j++;
            }
            Endpoint a = endpoints.get(i);
            Endpoint b = endpoints.get(j);
            AtomicInteger countA = counter(a);
            AtomicInteger countB = counter(b);
            // load = outstanding / weight; compare without dividing
            boolean takeB = (long) countB.get() * a.weight() < (long) countA.get() * b.weight();
            chosen = takeB ? b : a;
            count = takeB ? countB : countA;
        }
        count.incrementAndGet();
        return chosen;
    }

    @Override
    public void onOutcome(CallOutcome outcome) {
        if (outcome.isFinal()) {
            AtomicInteger count = outstanding.get(outcome.endpoint());
            if (count != null) {
                count.updateAndGet(v -> v > 0 ? v - 1 : 0);
            }
        }
    }

    /**
     * Drops the count of an instance that left the upstream; an attempt still in flight to it ends uncounted (a rare
     * choice that raced with the change may leave one count behind).
     */
    @Override
    public void forget(Endpoint endpoint) {
        outstanding.remove(endpoint);
    }

    /** Returns how many instances it keeps a count for, for tests. */
    int tracked() {
        return outstanding.size();
    }

    /** Returns the attempts in flight to this instance. */
    int outstanding(Endpoint endpoint) {
        AtomicInteger count = outstanding.get(endpoint);
        return count == null ? 0 : count.get();
    }

    private AtomicInteger counter(Endpoint endpoint) {
        AtomicInteger count = outstanding.get(endpoint);
        return count != null ? count : outstanding.computeIfAbsent(endpoint, e -> new AtomicInteger());
    }

    @Override
    public String toString() {
        return "LeastRequest" + outstanding;
    }
}
