package dev.portico.core.upstream;

import dev.portico.core.Context;
import dev.portico.core.Request;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Chooses the instance of an upstream that one call goes to; it sees the request and its context, so it can hash a
 * header or the client address for stickiness, and it keeps its own state (an upstream keeps its balancer when a
 * gateway is rebuilt around it). Called concurrently, on IO threads: it must be thread-safe and must not block. A
 * balancer that also implements {@link CallListener} hears the outcome of every attempt to its upstream; each call
 * to {@code choose} is followed by one attempt, which ends with one {@linkplain CallOutcome#isFinal() final outcome}.
 *
 * <pre>{@code
 * LoadBalancer byTenant = (endpoints, request, context) ->
 *         endpoints.get(Math.floorMod(String.valueOf(request.header("X-Tenant")).hashCode(), endpoints.size()));
 * }</pre>
 */
@FunctionalInterface
public interface LoadBalancer {

    /**
     * Returns one of {@code endpoints} (never empty: the upstream's available instances, less those a retry has
     * already tried) for this request.
     */
    Endpoint choose(List<Endpoint> endpoints, Request request, Context context);

    /** Returns a balancer that takes the instances in turn, ignoring weights: the default. */
    static LoadBalancer roundRobin() {
        AtomicInteger next = new AtomicInteger();
        return (endpoints, request, context) -> endpoints.size() == 1
                ? endpoints.get(0)
                : endpoints.get(Math.floorMod(next.getAndIncrement(), endpoints.size()));
    }

    /**
     * Returns a balancer that gives each instance its {@linkplain Endpoint#weight() weight}'s share of calls,
     * interleaved smoothly as nginx does (weights 5, 1, 1 give a a b a c a a, not a a a a a b c).
     */
    static LoadBalancer weightedRoundRobin() {
        return new WeightedRoundRobin();
    }

    /**
     * Returns a balancer that sends each call to the less loaded of two instances drawn at random ("power of two
     * choices"), the load being the attempts in flight divided by the weight: a slow instance, whose calls pile up,
     * gets fewer.
     */
    static LoadBalancer leastRequest() {
        return new LeastRequest();
    }

    /**
     * Returns a balancer that sends every call with the same key to the same instance, on a hash ring with virtual
     * nodes (about 160 per instance, in proportion to weight): adding or removing one of n instances moves only about
     * 1/n of the keys, and an instance that is ejected for a while moves only its own keys. A call without a key is
     * sent round robin.
     */
    static LoadBalancer consistentHash(HashKey key) {
        return new ConsistentHash(Objects.requireNonNull(key, "key"));
    }
}
