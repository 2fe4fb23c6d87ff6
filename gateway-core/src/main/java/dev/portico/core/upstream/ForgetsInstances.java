package dev.portico.core.upstream;

/** A balancer that keeps state per instance, which its upstream tells of each instance that leaves, to drop it. */
interface ForgetsInstances {

    /** Drops what it keeps for an instance that left its upstream. */
    void forget(Endpoint endpoint);
}
