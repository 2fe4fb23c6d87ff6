package dev.portico.core.ratelimit;

import java.util.List;
import java.util.Objects;

/**
 * An immutable, named set of limits enforced together on one key (for example 10 a second and 1,000 an hour): a
 * request is allowed only when every limit has a permit left. The name is part of the bucket's identity, so a key
 * that moves to another plan starts with that plan's full budget.
 *
 * <pre>{@code
 * Plan free = Plan.of("free", Limit.of(10, Duration.ofSeconds(1)), Limit.of(1_000, Duration.ofHours(1)));
 * }</pre>
 */
public final class Plan {

    private final String name;
    private final List<Limit> limits;
    private final int hash;

    private Plan(String name, List<Limit> limits) {
        this.name = Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a plan needs a name");
        }
        this.limits = List.copyOf(limits);
        if (this.limits.isEmpty()) {
            throw new IllegalArgumentException("plan " + name + " needs at least one limit");
        }
        this.hash = Objects.hash(name, this.limits); // once: limiters look plans up on every request
    }

    /** Returns a plan of these limits, all enforced together. */
    public static Plan of(String name, Limit... limits) {
        return new Plan(name, List.of(limits));
    }

    /** Returns a plan of these limits, all enforced together. */
    public static Plan of(String name, List<Limit> limits) {
        return new Plan(name, limits);
    }

    /** Returns the name, such as {@code free} or {@code gold}. */
    public String name() {
        return name;
    }

    /** Returns the limits, in the order given; the first is the one headers report when none is nearer its end. */
    public List<Limit> limits() {
        return limits;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Plan that && name.equals(that.name) && limits.equals(that.limits);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "Plan{" + name + ' ' + limits + '}';
    }
}
