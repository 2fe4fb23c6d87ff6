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
 * reused for its subsets (instances ejected or already tried), so their keys alone move.
 */
final class ConsistentHash implements LoadBalancer {

    /** Virtual nodes per instance of average weight. */
    static final int NODES_PER_INSTANCE = 160;

    private final HashKey key;
    private final AtomicInteger unkeyed = new AtomicInteger();
    private volatile Ring ring;
    private volatile Subset subset;

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
        Ring r = ring;
        Set<Endpoint> among = null;
        if (r == null || endpoints != r.source) {
            Subset s = subset;
            if (s == null || s.list != endpoints) {
                s = new Subset(endpoints, new HashSet<>(endpoints));
                subset = s;
            }
            if (r == null || !r.members.containsAll(s.set) || 2 * s.set.size() < r.members.size()) {
                r = new Ring(endpoints);
                ring = r;
            } else {
                among = s.set;
            }
        }
        return r.lookup(hash(k), among);
    }

    /** A list of candidates that is not the ring's own, with its members as a set. */
    private record Subset(List<Endpoint> list, Set<Endpoint> set) {
    }

    /** The sorted hashes of the virtual nodes and the instance each belongs to. */
    static final class Ring {
        final List<Endpoint> source;
        final Set<Endpoint> members;
        final long[] hashes;
        final Endpoint[] owners;

        Ring(List<Endpoint> endpoints) {
            this.source = endpoints;
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
                String name = e.scheme() + "://" + e.authority() + e.basePath() + '#';
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
