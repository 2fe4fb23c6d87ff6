package dev.portico.core.internal;

import java.time.Duration;
import java.util.Objects;

/** Argument checks shared by the builders, with messages in one style: {@code name: value (expected: ...)}. */
public final class Checks {

    private Checks() {
    }

    /** Returns the duration, or throws when it is null, zero or negative. */
    public static Duration positive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
        }
        return value;
    }

    /** Returns the byte count, or throws when it is negative. */
    public static long notNegative(long value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: >= 0)");
        }
        return value;
    }
}
