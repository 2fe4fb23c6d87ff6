package dev.portico.core.upstream;

import dev.portico.core.internal.Checks;
import dev.portico.core.internal.Timer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Instances found in DNS: the host of a URL such as {@code http://users.internal:8080} is resolved at once and then
 * every {@code interval}, and each address becomes an instance with the URL's scheme, port and base path; a lookup
 * that fails or finds no address keeps the last good set. Until the first good set, such a lookup is retried sooner:
 * after 1 s, then twice as long each time, up to the interval. Lookups block, so they run on a thread of their own,
 * never on the timer or an IO thread. The instances are IP addresses, which calls send as their {@code Host}.
 * The JVM caches lookups too ({@code networkaddress.cache.ttl}, 30 s by default): keep it below the interval; it
 * caches failures for {@code networkaddress.cache.negative.ttl} (10 s by default), which delays those retries.
 *
 * <pre>{@code
 * Discovery dns = DnsDiscovery.builder("http://users.internal:8080").interval(Duration.ofSeconds(10)).build();
 * }</pre>
 */
public final class DnsDiscovery implements Discovery {

    private static final System.Logger LOG = System.getLogger(DnsDiscovery.class.getName());

    /** The wait before the first retry of a lookup that found no good set yet; it doubles up to the interval. */
    private static final long FIRST_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private static final ExecutorService LOOKUPS = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "portico-dns");
        thread.setDaemon(true);
        return thread;
    });

    /** Resolves a host name to its addresses; it may block. */
    @FunctionalInterface
    public interface Resolver {

        /** Returns the host's addresses, or throws when the lookup fails. */
        List<InetAddress> resolve(String host) throws IOException;
    }

    private final Endpoint template;
    private final Duration interval;
    private final Resolver resolver;

    private DnsDiscovery(Builder b) {
        this.template = b.template;
        this.interval = b.interval;
        this.resolver = b.resolver;
    }

    /** Returns a builder of the instances that this URL's host resolves to. */
    public static Builder builder(String url) {
        return new Builder(Endpoint.of(URI.create(Objects.requireNonNull(url, "url"))));
    }

    @Override
    public AutoCloseable watch(String upstream, Consumer<List<Endpoint>> update) {
        Watch watch = new Watch(upstream, update);
        watch.schedule(0);
        return watch;
    }

    /** One watch: a lookup now and then, each handed to the lookup threads by the timer. */
    private final class Watch implements AutoCloseable {
        private final String upstream;
        private final Consumer<List<Endpoint>> update;
        private volatile boolean closed;
        private volatile Future<?> next;
        private List<Endpoint> last = List.of(); // touched by one lookup at a time
        private long retryNanos = FIRST_RETRY_NANOS; // likewise

        Watch(String upstream, Consumer<List<Endpoint>> update) {
            this.upstream = upstream;
            this.update = update;
        }

        void schedule(long delayNanos) {
            if (!closed) {
                next = Timer.schedule(() -> {
                    if (!closed) {
                        next = LOOKUPS.submit(this::lookup);
                    }
                }, delayNanos, TimeUnit.NANOSECONDS);
            }
        }

        private void lookup() {
            try {
                List<InetAddress> addresses = resolver.resolve(template.host());
                Set<Endpoint> found = new LinkedHashSet<>();
                for (InetAddress address : addresses == null ? List.<InetAddress>of() : addresses) {
                    found.add(new Endpoint(template.scheme(), address.getHostAddress(), template.port(),
                            template.basePath(), template.weight()));
                }
                if (found.isEmpty()) {
                    LOG.log(System.Logger.Level.WARNING, "upstream {0}: {1} resolved to no address; keeping {2}",
                            upstream, template.host(), last);
                } else if (!closed && !new LinkedHashSet<>(last).equals(found)) {
                    last = List.copyOf(found);
                    update.accept(last);
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "upstream {0}: looking up {1} failed ({2}); keeping {3}",
                        upstream, template.host(), e.toString(), last);
            } finally {
                schedule(nextDelay());
            }
        }

        /** Returns the wait before the next lookup: the interval once a good set is known, a backoff until then. */
        private long nextDelay() {
            long intervalNanos = interval.toNanos();
            if (!last.isEmpty()) {
                return intervalNanos;
            }
            long delay = Math.min(retryNanos, intervalNanos);
            retryNanos = Math.min(2 * retryNanos, intervalNanos);
            return delay;
        }

        @Override
        public void close() {
            closed = true;
            Future<?> pending = next;
            if (pending != null) {
                pending.cancel(false);
            }
        }
    }

    @Override
    public String toString() {
        return "DnsDiscovery{" + template + " every " + interval + '}';
    }

    /** A builder of {@link DnsDiscovery}. */
    public static final class Builder {

        private Endpoint template;
        private Duration interval = Duration.ofSeconds(30);
        private Resolver resolver = host -> Arrays.asList(InetAddress.getAllByName(host));

        private Builder(Endpoint template) {
            this.template = template;
        }

        /** Sets the time between lookups (default 30 s); until a first good answer, failures are retried sooner. */
        public Builder interval(Duration interval) {
            this.interval = Checks.positive(interval, "interval");
            return this;
        }

        /** Sets the weight of every instance found (default 1). */
        public Builder weight(int weight) {
            this.template = template.withWeight(weight);
            return this;
        }

        /** Sets the resolver (default the JVM's, {@link InetAddress#getAllByName}); tests and custom DNS plug in here. */
        public Builder resolver(Resolver resolver) {
            this.resolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /** Returns the discovery. */
        public DnsDiscovery build() {
            return new DnsDiscovery(this);
        }
    }
}
