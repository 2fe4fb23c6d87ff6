package dev.portico.core.upstream;

import dev.portico.core.Context;
import dev.portico.core.Request;
import dev.portico.core.upstream.Endpoint;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Chooses the instance of an upstream that one call goes to; it sees the request and its context, so it can hash a
 * header or the client address for stickiness, and it keeps its own state (an upstream keeps its balancer when a
 * gateway is rebuilt around it). Called concurrently, on IO threads: it must be thread-safe and must not block.
 *
 * <pre>{@code
 * LoadBalancer byTenant = (endpoints, request, context) ->
 *         endpoints.get(Math.floorMod(String.valueOf(request.header("X-Tenant")).hashCode(), endpoints.size()));
 * }</pre>
 */
@FunctionalInterface
public interface LoadBalancer {

    /** Returns one of {@code endpoints} (never empty) for this request. */
    Endpoint choose(List<Endpoint> endpoints, Request request, Context context);

    /** Returns a balancer that takes the instances in turn, the default. */
    static LoadBalancer roundRobin() {
        AtomicInteger next = new AtomicInteger();
        return (endpoints, request, context) -> endpoints.size() == 1
                ? endpoints.get(0)
                : endpoints.get(Math.floorMod(next.getAndIncrement(), endpoints.size()));
    }
}
