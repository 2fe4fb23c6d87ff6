package dev.portico.core.internal.observe;

import io.opentelemetry.api.common.Attributes;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Attribute sets built once for each combination of the values that decide them, then reused: recording a
 * measurement neither builds, sorts nor hashes a new set (a set caches its hash). Bounded: past {@value #MAX} sets
 * it starts over.
 */
final class AttributeSets {

    static final int MAX = 4096;

    private final ConcurrentHashMap<Object, Attributes> sets = new ConcurrentHashMap<>();

    /** Returns the set of this key, built from it by {@code build} the first time. */
    <K> Attributes get(K key, Function<K, Attributes> build) {
        Attributes set = sets.get(key);
        if (set != null) {
            return set;
        }
        if (sets.size() >= MAX) {
            sets.clear();
        }
        set = build.apply(key);
        Attributes raced = sets.putIfAbsent(key, set);
        return raced != null ? raced : set;
    }

    /** Returns how many sets are kept, for tests. */
    int size() {
        return sets.size();
    }
}
