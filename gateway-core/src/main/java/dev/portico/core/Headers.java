package dev.portico.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * An immutable, ordered multi-map of HTTP header fields whose names compare case-insensitively.
 *
 * <pre>{@code
 * Headers headers = Headers.builder().add("Accept", "application/json").build();
 * headers.get("accept"); // "application/json"
 * }</pre>
 */
public final class Headers {

    private static final String[] NONE = new String[0];
    private static final Headers EMPTY = new Headers(NONE, 0);

    /** Names and values interleaved: name0, value0, name1, value1, ... */
    private final String[] fields;
    private final int size;

    private Headers(String[] fields, int size) {
        this.fields = fields;
        this.size = size;
    }

    /** Returns the empty header map. */
    public static Headers empty() {
        return EMPTY;
    }

    /** Returns headers built from name-value pairs, for example {@code Headers.of("Accept", "text/plain")}. */
    public static Headers of(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("namesAndValues: odd count " + namesAndValues.length + " (expected: pairs)");
        }
        Builder builder = builder();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            builder.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return builder.build();
    }

    /** Returns a new, empty builder. */
    public static Builder builder() {
        return new Builder(NONE, 0);
    }

    /** Returns a builder that starts with these headers. */
    public Builder toBuilder() {
        return new Builder(fields, size);
    }

    /** Returns the first value of the named field, or {@code null} when it is absent. */
    public String get(String name) {
        for (int i = 0; i < size; i++) {
            if (sameName(fields[2 * i], name)) {
                return fields[2 * i + 1];
            }
        }
        return null;
    }

    /** Returns every value of the named field in order; empty when it is absent. */
    public List<String> getAll(String name) {
        List<String> values = null;
        for (int i = 0; i < size; i++) {
            if (sameName(fields[2 * i], name)) {
                if (values == null) {
                    values = new ArrayList<>(2);
                }
                values.add(fields[2 * i + 1]);
            }
        }
        return values == null ? List.of() : List.copyOf(values);
    }

    /** Returns whether the named field is present. */
    public boolean contains(String name) {
        return get(name) != null;
    }

    /** Returns the distinct field names, in the case of their first occurrence. */
    public Set<String> names() {
        Set<String> names = new LinkedHashSet<>();
        outer:
        for (int i = 0; i < size; i++) {
            for (String seen : names) {
                if (sameName(seen, fields[2 * i])) {
                    continue outer;
                }
            }
            names.add(fields[2 * i]);
        }
        return names;
    }

    /** Returns the number of fields, counting each value of a repeated field. */
    public int size() {
        return size;
    }

    /** Returns the name of the field at {@code index}, in arrival order. */
    public String name(int index) {
        Objects.checkIndex(index, size);
        return fields[2 * index];
    }

    /** Returns the value of the field at {@code index}, in arrival order. */
    public String value(int index) {
        Objects.checkIndex(index, size);
        return fields[2 * index + 1];
    }

    /** Calls {@code action} with each name and value, in arrival order. */
    public void forEach(BiConsumer<String, String> action) {
        for (int i = 0; i < size; i++) {
            action.accept(fields[2 * i], fields[2 * i + 1]);
        }
    }

    /**
     * Returns whether two field names are the same but for ASCII case (RFC 9110 5.1), compared from the end: names
     * that share a length and a prefix ({@code X-Forwarded-For}, {@code X-Forwarded-Port}) differ there.
     */
    static boolean sameName(String a, String b) {
        int n = a.length();
        if (n != b.length()) {
            return false;
        }
        for (int i = n - 1; i >= 0; i--) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                int lower = x | 0x20;
                if (lower != (y | 0x20) || lower < 'a' || lower > 'z') {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof Headers that) || that.size != size) {
            return false;
        }
        for (int i = 0; i < size; i++) {
            if (!sameName(fields[2 * i], that.fields[2 * i]) || !fields[2 * i + 1].equals(that.fields[2 * i + 1])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int hash = size;
        for (int i = 0; i < size; i++) {
            hash = 31 * hash + fields[2 * i].toLowerCase(java.util.Locale.ROOT).hashCode();
            hash = 31 * hash + fields[2 * i + 1].hashCode();
        }
        return hash;
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("Headers{");
        for (int i = 0; i < size; i++) {
            out.append(i == 0 ? "" : ", ").append(fields[2 * i]).append(": ").append(fields[2 * i + 1]);
        }
        return out.append('}').toString();
    }

    /** A mutable builder of {@link Headers}; copies on write, so building never shares an array that may change. */
    public static final class Builder {

        private String[] fields;
        private int size;
        private boolean shared;

        private Builder(String[] fields, int size) {
            this.fields = fields;
            this.size = size;
            this.shared = true;
        }

        /** Appends a field, keeping any existing values of the same name. */
        public Builder add(String name, String value) {
            checkName(name);
            checkValue(name, value);
            ensureCapacity(size + 1);
            fields[2 * size] = name;
            fields[2 * size + 1] = value;
            size++;
            return this;
        }

        /** Replaces every value of the named field with this one. */
        public Builder set(String name, String value) {
            return remove(name).add(name, value);
        }

        /** Removes every value of the named field. */
        public Builder remove(String name) {
            return removeWhere(Objects.requireNonNull(name, "name"), null);
        }

        /**
         * Removes every field whose name {@code names} accepts, keeping the others in order; the fields kept are not
         * checked again.
         */
        public Builder removeIf(Predicate<? super String> names) {
            return removeWhere(null, Objects.requireNonNull(names, "names"));
        }

        /** Removes the fields named {@code name}, or else those whose names {@code names} accepts. */
        private Builder removeWhere(String name, Predicate<? super String> names) {
            int kept = 0;
            String[] source = fields;
            String[] target = null;
            for (int i = 0; i < size; i++) {
                if (name != null ? sameName(source[2 * i], name) : names.test(source[2 * i])) {
                    if (target == null) {
                        target = shared ? new String[source.length] : source;
                        if (target != source) {
                            System.arraycopy(source, 0, target, 0, 2 * i);
                        }
                    }
                    continue;
                }
                if (target != null) {
                    target[2 * kept] = source[2 * i];
                    target[2 * kept + 1] = source[2 * i + 1];
                }
                kept++;
            }
            if (target != null) {
                Arrays.fill(target, 2 * kept, 2 * size, null);
                fields = target;
                size = kept;
                shared = false;
            }
            return this;
        }

        /** Returns the first value of the named field as built so far, or {@code null}. */
        public String get(String name) {
            for (int i = 0; i < size; i++) {
                if (sameName(fields[2 * i], name)) {
                    return fields[2 * i + 1];
                }
            }
            return null;
        }

        /** Returns the immutable headers. */
        public Headers build() {
            if (size == 0) {
                return EMPTY;
            }
            shared = true;
            return new Headers(fields, size);
        }

        private void ensureCapacity(int count) {
            if (!shared && fields.length >= 2 * count) {
                return;
            }
            int capacity = Math.max(2 * count, Math.max(16, fields.length + (fields.length >> 1)));
            fields = Arrays.copyOf(fields, shared && fields.length >= 2 * count ? fields.length : capacity);
            shared = false;
        }

        private static void checkValue(String name, String value) {
            Objects.requireNonNull(value, "value");
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c <= '\r' && (c == '\r' || c == '\n' || c == 0)) { // one test for nearly every character
                    throw new IllegalArgumentException("value of " + name + ": contains CR, LF or NUL");
                }
            }
        }

        private static void checkName(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("name: empty (expected: an HTTP token)");
            }
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c <= ' ' || c >= 0x7f || c == ':') {
                    throw new IllegalArgumentException("name: " + name + " (expected: an HTTP token)");
                }
            }
        }
    }
}
