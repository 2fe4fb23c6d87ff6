package dev.portico.core.upstream;

import dev.portico.core.internal.CoreAccess;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** DNS discovery through a resolver the test controls, and the leases that start and stop discovery. */
class DiscoveryTest {

    /** A resolver that answers what the test sets: addresses, or a failure. */
    private static final class Answers implements DnsDiscovery.Resolver {
        final AtomicReference<Object> answer = new AtomicReference<>();
        final AtomicInteger lookups = new AtomicInteger();

        @Override
        public List<InetAddress> resolve(String host) throws IOException {
            lookups.incrementAndGet();
            Object now = answer.get();
            if (now instanceof IOException e) {
                throw e;
            }
            @SuppressWarnings("unchecked")
            List<InetAddress> addresses = (List<InetAddress>) now;
            return addresses;
        }

        void set(String... ips) throws UnknownHostException {
            InetAddress[] addresses = new InetAddress[ips.length];
            for (int i = 0; i < ips.length; i++) {
                addresses[i] = InetAddress.getByName(ips[i]);
            }
            answer.set(List.of(addresses));
        }

        /** Waits until {@code more} lookups have been made from now. */
        void await(int more) throws InterruptedException {
            int target = lookups.get() + more;
            awaitTrue(() -> lookups.get() >= target, more + " more lookups");
        }
    }

    @Test
    void dnsChangesAreHonouredAndFailedOrEmptyLookupsKeepTheLastGoodSet() throws Exception {
        Answers dns = new Answers();
        dns.set("10.0.0.1", "10.0.0.2");
        List<List<Endpoint>> updates = new CopyOnWriteArrayList<>();
        DnsDiscovery discovery = DnsDiscovery.builder("http://users.internal:8080/v1").interval(Duration.ofMillis(20))
                .resolver(dns).build();

        try (AutoCloseable watch = discovery.watch("users", updates::add)) {
            awaitTrue(() -> updates.size() == 1, "the first answer");
            assertThat(updates.get(0)).extracting(Endpoint::toString)
                    .containsExactly("http://10.0.0.1:8080/v1", "http://10.0.0.2:8080/v1");

            dns.answer.set(new UnknownHostException("users.internal"));
            dns.await(3);
            dns.set();
            dns.await(3);
            dns.set("10.0.0.2", "10.0.0.1"); // the same set in another order is no change
            dns.await(3);
            assertThat(updates).hasSize(1);

            dns.set("10.0.0.2", "10.0.0.3");
            awaitTrue(() -> updates.size() == 2, "the change");
            assertThat(updates.get(1)).extracting(Endpoint::host).containsExactly("10.0.0.2", "10.0.0.3");
        }
        int stopped = dns.lookups.get();
        Thread.sleep(200);
        assertThat(dns.lookups.get()).isLessThanOrEqualTo(stopped + 1);
    }

    @Test
    void untilTheFirstGoodAnswerLookupsAreRetriedSoonerThanTheInterval() throws Exception {
        Answers dns = new Answers();
        dns.answer.set(new UnknownHostException("users.internal")); // DNS not ready as the gateway starts
        List<List<Endpoint>> updates = new CopyOnWriteArrayList<>();
        DnsDiscovery discovery = DnsDiscovery.builder("http://users.internal:8080").interval(Duration.ofHours(1))
                .resolver(dns).build();

        try (AutoCloseable watch = discovery.watch("users", updates::add)) {
            awaitTrue(() -> dns.lookups.get() >= 1, "the first lookup");
            dns.set(); // then an empty answer: no good set yet either
            awaitTrue(() -> dns.lookups.get() >= 2, "a retry, long before the hour's interval");
            dns.set("10.0.0.1");
            awaitTrue(() -> updates.size() == 1, "the first good answer, long before the hour's interval");
            assertThat(updates.get(0)).extracting(Endpoint::host).containsExactly("10.0.0.1");

            int lookups = dns.lookups.get();
            dns.answer.set(new UnknownHostException("users.internal"));
            Thread.sleep(3_000); // longer than the first retries: with a good set, a failure waits for the interval
            assertThat(dns.lookups.get()).isEqualTo(lookups);
        }
    }

    @Test
    void anUpstreamFollowsItsDiscoveryWhileLeasedAndStopsWhenTheLastLeaseEnds() throws Exception {
        Answers dns = new Answers();
        dns.set("10.0.0.1");
        Upstream users = Upstream.builder("users").discovery(DnsDiscovery.builder("http://users.internal:8080")
                .interval(Duration.ofMillis(20)).resolver(dns).build()).build();
        List<Endpoint> retired = new CopyOnWriteArrayList<>();
        assertThat(users.endpoints()).isEmpty();

        AutoCloseable old = CoreAccess.upstreams().retain(users, null, retired::add);
        awaitTrue(() -> users.endpoints().size() == 1, "the first answer");
        AutoCloseable next = CoreAccess.upstreams().retain(users, null, retired::add); // a swap: the new one first
        old.close();
        dns.set("10.0.0.2");
        awaitTrue(() -> users.endpoints().size() == 1 && users.endpoints().get(0).host().equals("10.0.0.2"), "the change");
        awaitTrue(() -> !retired.isEmpty(), "the retired instance");
        assertThat(retired).extracting(Endpoint::host).containsExactly("10.0.0.1"); // told once, to the live lease

        next.close();
        int stopped = dns.lookups.get();
        dns.set("10.0.0.3");
        Thread.sleep(200);
        assertThat(dns.lookups.get()).isLessThanOrEqualTo(stopped + 1);
        assertThat(users.endpoints()).extracting(Endpoint::host).containsExactly("10.0.0.2");
    }

    static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }
}
