package dev.portico.core.upstream;

import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.internal.Timer;
import dev.portico.core.spi.CallOptions;
import dev.portico.core.spi.UpstreamClient;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs an upstream's active health checks: a round every interval on the shared timer, which only starts calls
 * through the non-blocking upstream client; each check's result is counted on the thread that completes it. One
 * check per instance at a time; a check still running when its next round comes is left to finish.
 */
final class HealthChecker {

    private static final System.Logger LOG = System.getLogger(HealthChecker.class.getName());

    private final String upstream;
    private final HealthCheck check;
    private final Instances instances;
    private final Supplier<UpstreamClient> client;
    private final Set<Endpoint> running = ConcurrentHashMap.newKeySet();
    private volatile boolean stopped;
    private volatile Future<?> next;

    HealthChecker(String upstream, HealthCheck check, Instances instances, Supplier<UpstreamClient> client) {
        this.upstream = upstream;
        this.check = check;
        this.instances = instances;
        this.client = client;
    }

    void start() {
        next = Timer.schedule(this::round, 0, TimeUnit.NANOSECONDS);
    }

    void stop() {
        stopped = true;
        Future<?> pending = next;
        if (pending != null) {
            pending.cancel(false);
        }
    }

    private void round() {
        if (stopped) {
            return;
        }
        try {
            UpstreamClient transport = client.get();
            if (transport != null) {
                for (Endpoint endpoint : instances.all()) {
                    if (running.add(endpoint)) {
                        probe(transport, endpoint);
                    }
                }
            }
        } finally {
            if (!stopped) {
                next = Timer.schedule(this::round, check.interval().toNanos(), TimeUnit.NANOSECONDS);
            }
        }
    }

    private void probe(UpstreamClient transport, Endpoint endpoint) {
        Request request = Request.builder("GET", check.path())
                .header("Host", endpoint.authority())
                .header("User-Agent", "portico-health-check")
                .build();
        CallOptions options = new CallOptions(upstream, check.timeout(), check.timeout(), 0);
        try {
            transport.send(endpoint, request, options).whenComplete((response, failure) -> done(endpoint, response));
        } catch (RuntimeException e) {
            running.remove(endpoint); // the transport cannot call yet (a mounted handler before its first request)
            LOG.log(System.Logger.Level.DEBUG, "upstream " + upstream + ": health check of " + endpoint + " not sent", e);
        }
    }

    private void done(Endpoint endpoint, Response response) {
        running.remove(endpoint);
        boolean passed = response != null && check.passes(response.status());
        if (response != null) {
            response.body().discard();
        }
        if (!stopped) {
            instances.checked(endpoint, passed, check);
        }
    }
}
