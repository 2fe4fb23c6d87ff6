package dev.portico.core;

import java.util.Objects;

/**
 * A typed key for a request's {@link Context} attributes; keys compare by identity, so two keys with the same name
 * never collide.
 *
 * <pre>{@code
 * static final AttributeKey<String> TENANT = AttributeKey.of("tenant", String.class);
 * }</pre>
 */
public final class AttributeKey<T> {

    private final String name;
    private final Class<T> type;

    private AttributeKey(String name, Class<T> type) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
    }

    /** Returns a new key; hold it in a constant. */
    public static <T> AttributeKey<T> of(String name, Class<T> type) {
        return new AttributeKey<>(name, type);
    }

    /** Returns the name, for diagnostics. */
    public String name() {
        return name;
    }

    /** Returns the value type. */
    public Class<T> type() {
        return type;
    }

    @Override
    public String toString() {
        return "AttributeKey{" + name + ": " + type.getSimpleName() + '}';
    }
}
