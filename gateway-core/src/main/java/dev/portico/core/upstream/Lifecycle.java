package dev.portico.core.upstream;

import dev.portico.core.spi.UpstreamClient;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What runs for an upstream while servers serve gateways that use it, its discovery watch and its health checks:
 * each served gateway holds a lease; the first lease starts them and the last one released stops them, so a swap
 * between two gateways that share the upstream (the new one leased before the old one is released) never stops them.
 */
final class Lifecycle {

    private static final System.Logger LOG = System.getLogger(Lifecycle.class.getName());

    private final String upstream;
    private final Instances instances;
    private final Discovery discovery;
    private final HealthCheck check;
    private final List<Lease> leases = new ArrayList<>(); // guarded by this
    private AutoCloseable watch;
    private HealthChecker checker;

    Lifecycle(String upstream, Instances instances, Discovery discovery, HealthCheck check) {
        this.upstream = upstream;
        this.instances = instances;
        this.discovery = discovery;
        this.check = check;
    }

    /** Takes a lease: {@code client} may run health checks, {@code retired} hears of instances that leave. */
    AutoCloseable retain(UpstreamClient client, Consumer<Endpoint> retired) {
        Lease lease = new Lease(client, retired);
        synchronized (this) {
            leases.add(lease);
            instances.onRetired(retired);
            if (leases.size() == 1) {
                if (discovery != null) {
                    try {
                        watch = discovery.watch(upstream, instances::update);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.ERROR, "upstream " + upstream + ": discovery failed to start", e);
                    }
                }
                if (check != null) {
                    checker = new HealthChecker(upstream, check, instances, this::client);
                    checker.start();
                }
            }
        }
        return lease;
    }

    /** Returns whether a lease is held: whether discovery and checks run. */
    synchronized boolean running() {
        return !leases.isEmpty();
    }

    private synchronized UpstreamClient client() {
        return leases.isEmpty() ? null : leases.get(0).client;
    }

    /**
     * Gives a lease back; the last one stops discovery and checks and retires every instance through it, so that a
     * server that no longer serves this upstream closes its idle connections to them.
     */
    private void release(Lease lease) {
        AutoCloseable stopWatch = null;
        boolean last;
        synchronized (this) {
            if (!leases.remove(lease)) {
                return;
            }
            instances.offRetired(lease.retired);
            last = leases.isEmpty();
            if (last) {
                stopWatch = watch;
                watch = null;
                if (checker != null) {
                    checker.stop();
                    checker = null;
                }
            }
        }
        if (stopWatch != null) {
            try {
                stopWatch.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "upstream " + upstream + ": discovery failed to stop", e);
            }
        }
        if (last) {
            for (Endpoint endpoint : instances.all()) {
                lease.retired.accept(endpoint);
            }
        }
    }

    /** One served gateway's hold on the upstream. */
    private final class Lease implements AutoCloseable {
        final UpstreamClient client;
        final Consumer<Endpoint> retired;

        Lease(UpstreamClient client, Consumer<Endpoint> retired) {
            this.client = client;
            this.retired = retired;
        }

        @Override
        public void close() {
            release(this);
        }
    }
}
