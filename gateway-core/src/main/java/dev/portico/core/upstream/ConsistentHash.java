package dev.portico.core.upstream;

import dev.portico.core.Context;
import dev.portico.core.Request;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Consistent hashing on a ring of virtual nodes (Karger's ring, as Envoy's ring hash): a key goes to the first node
 * at or after its hash whose instance is a candidate. The ring is built for the widest set of instances seen and
 * reused for its subsets (instances ejected or already tried), so their keys alone move. It is cached with the list
 * the upstream passes call after call; a retry's list of untried instances, new each time, is looked up on that ring
 * and never replaces it.
 */
final class ConsistentHash implements LoadBalancer {

    /** Virtual nodes per instance of average weight. */
    static final int NODES_PER_INSTANCE = 160;

    private final HashKey key;
    private final AtomicInteger unkeyed = new AtomicInteger();
    private volatile Cache cache;
    private volatile List<Endpoint> seen; // the last two lists that were not cached, to tell the upstream's own
    private volatile List<Endpoint> seenBefore;

    ConsistentHash(HashKey key) {
        this.key = key;
    }

    @Override
    public Endpoint choose(List<Endpoint> endpoints, Request request, Context context) {
        if (endpoints.size() == 1) {
            return endpoints.get(0);
        }
        String k = key.of(request, context);
        if (k == null) {
            return endpoints.get(Math.floorMod(unkeyed.getAndIncrement(), endpoints.size()));
        }
        long hash = hash(k);
        Cache c = cache;
        if (c != null && c.list == endpoints) {
            return c.ring.lookup(hash, c.among);
        }
        Set<Endpoint> set = new HashSet<>(endpoints);
        if (c != null && c.ring.members.containsAll(set)) {
            Set<Endpoint> among = set.size() == c.ring.members.size() ? null : set;
            if (!isUpstreams(endpoints, set, c)) {
                return c.ring.lookup(hash, among); // a retry's: used once
            }
            if (2 * set.size() >= c.ring.members.size()) {
                cache = new Cache(endpoints, c.ring, among);
                return c.ring.lookup(hash, among);
            }
            // so few of the ring's instances are left that lookups would skip most nodes: a ring of their own
        }
        Cache fresh = new Cache(endpoints, new Ring(endpoints), null);
        cache = fresh;
        return fresh.ring.lookup(hash, null);
    }

    /**
     * Returns whether a list of instances on the ring is the upstream's list of available instances, which it passes
     * again and again, rather than a retry's untried ones: those are fewer than the cached list's, and new each time.
     */
    private boolean isUpstreams(List<Endpoint> endpoints, Set<Endpoint> set, Cache c) {
        boolean again = endpoints == seen || endpoints == seenBefore;
        seenBefore = seen;
        seen = endpoints;
        Set<Endpoint> current = c.among != null ? c.among : c.ring.members;
        return again || set.size() >= current.size() || !current.containsAll(set);
    }

    /** Returns the ring, for tests. */
    Ring ring() {
        Cache c = cache;
        return c == null ? null : c.ring;
    }

    /** A list of candidates, its ring, and its members as a set when they are fewer than the ring's (else null). */
    private record Cache(List<Endpoint> list, Ring ring, Set<Endpoint> among) {
    }

    /** The sorted hashes of the virtual nodes and the instance each belongs to. */
    static final class Ring {
        final Set<Endpoint> members;
        final long[] hashes;
        final Endpoint[] owners;

        Ring(List<Endpoint> endpoints) {
            this.members = new HashSet<>(endpoints);
            long totalWeight = 0;
            for (Endpoint e : endpoints) {
                totalWeight += e.weight();
            }
            int[] nodes = new int[endpoints.size()];
            int count = 0;
            for (int i = 0; i < nodes.length; i++) {
                long share = (long) NODES_PER_INSTANCE * endpoints.size() * endpoints.get(i).weight() / totalWeight;
                nodes[i] = (int) Math.max(1, share);
                count += nodes[i];
            }
            long[] packed = new long[count];
            Endpoint[] byNode = new Endpoint[count];
            int at = 0;
            for (int i = 0; i < nodes.length; i++) {
                Endpoint e = endpoints.get(i);
                String name = e.toString() + '#';
                for (int v = 0; v < nodes[i]; v++) {
                    packed[at] = hash(name + v);
                    byNode[at] = e;
                    at++;
                }
            }
            Integer[] order = new Integer[count];
            for (int i = 0; i < count; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (x, y) -> Long.compareUnsigned(packed[x], packed[y]));
            this.hashes = new long[count];
            this.owners = new Endpoint[count];
            for (int i = 0; i < count; i++) {
                hashes[i] = packed[order[i]];
                owners[i] = byNode[order[i]];
            }
        }

        /** Returns the owner of the first node at or after {@code hash} that is in {@code among} (all when null). */
        Endpoint lookup(long hash, Set<Endpoint> among) {
            int low = 0;
            int high = hashes.length;
            while (low < high) {
                int mid = (low + high) >>> 1;
                if (Long.compareUnsigned(hashes[mid], hash) < 0) {
                    low = mid + 1;
                } else {
                    high = mid;
                }
            }
            for (int i = 0; i < owners.length; i++) {
                Endpoint owner = owners[(low + i) % owners.length];
                if (among == null || among.contains(owner)) {
                    return owner;
                }
            }
            throw new IllegalStateException("no candidate on the ring"); // unreachable: among is a subset of members
        }
    }

    /** A 64-bit FNV-1a hash of the string's chars, finished with a MurmurHash3 mix so nearby keys spread. */
    static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
