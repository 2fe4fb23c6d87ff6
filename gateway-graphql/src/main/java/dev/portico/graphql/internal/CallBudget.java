package dev.portico.graphql.internal;

import java.util.concurrent.atomic.AtomicInteger;

/** One GraphQL request's budget of upstream calls: each call takes one, and none is left after the last. */
public final class CallBudget {

    private final int max;
    private final AtomicInteger taken = new AtomicInteger();

    /** Makes a budget of this many calls. */
    public CallBudget(int max) {
        this.max = max;
    }

    /** Takes one call from the budget, and returns whether one was left. */
    public boolean take() {
        return taken.getAndUpdate(n -> n < max ? n + 1 : n) < max;
    }

    /** Returns the failure of a call the spent budget refused. */
    public Spent spent() {
        return new Spent(max);
    }

    /** A call refused, before it was made, because its request had spent its budget of upstream calls. */
    public static final class Spent extends RuntimeException {

        private Spent(int max) {
            super("the query exceeded its budget of " + max + " upstream calls", null, false, false);
        }
    }
}
