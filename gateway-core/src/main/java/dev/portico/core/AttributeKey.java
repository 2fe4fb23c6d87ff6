package dev.portico.core;

import java.util.Objects;

/**
 * A typed key for a request's {@link Context} attributes; keys compare by identity, so two keys with the same name
 * never collide.
 *
 * <pre>{@code
 * static final AttributeKey<String> TENANT = AttributeKey.of("tenant", String.class);
 * static final AttributeKey<List<String>> ROLES = AttributeKey.of("roles", List.class);
 * }</pre>
 */
public final class AttributeKey<T> {

    private final String name;
    private final Class<? super T> type;

    private AttributeKey(String name, Class<? super T> type) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
    }

    /**
     * Returns a new key whose values {@link Context#put} checks against this class; for a generic type such as
     * {@code List<String>}, pass its raw class ({@code List.class}). Hold it in a constant.
     */
    public static <T> AttributeKey<T> of(String name, Class<? super T> type) {
        return new AttributeKey<>(name, type);
    }

    /**
     * Returns a new key for any value type, unchecked at run time but type-safe at the call site, such as
     * {@code AttributeKey<Map<String, Object>> claims = AttributeKey.of("claims")}. Hold it in a constant.
     */
    public static <T> AttributeKey<T> of(String name) {
        return new AttributeKey<>(name, Object.class);
    }

    /** Returns the name, for diagnostics. */
    public String name() {
        return name;
    }

    /** Returns the class that values must be instances of: the value type or its raw class, or {@code Object}. */
    public Class<? super T> type() {
        return type;
    }

    @Override
    public String toString() {
        return "AttributeKey{" + name + ": " + type.getSimpleName() + '}';
    }
}
