package dev.portico.core.upstream;

import java.util.List;
import java.util.function.Consumer;

/**
 * Where an upstream's instances come from when they change at run time (DNS, a registry): watched while a server
 * serves a gateway that uses the upstream, it hands over each new complete list of instances, and keeps the last
 * good one through failures. Instances that leave stop getting new calls; calls in flight on them finish.
 *
 * <pre>{@code
 * Upstream users = Upstream.builder("users")
 *         .discovery(DnsDiscovery.builder("http://users.internal:8080").interval(Duration.ofSeconds(10)).build())
 *         .build();
 * }</pre>
 */
@FunctionalInterface
public interface Discovery {

    /**
     * Starts watching for the upstream named {@code upstream}: {@code update} is called, from any thread, with each
     * new list of instances (never empty; a source that fails or finds none says nothing), the first time as soon as
     * it is known. Must not block; returns what stops the watch.
     */
    AutoCloseable watch(String upstream, Consumer<List<Endpoint>> update);
}
