package dev.portico.core.upstream;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The instances of one upstream as calls see them: the current set (fixed, or from discovery) less those ejected by
 * outlier detection and those that failed active checks, or all of them when that leaves none (panic). Reads are
 * one volatile load; changes, which are rare, rebuild the view under the lock, and log once it is released (IO
 * threads may wait on it).
 */
final class Instances implements CallListener {

    private static final System.Logger LOG = System.getLogger(Instances.class.getName());

    private final String upstream;
    private final OutlierDetection outliers;
    private final LongSupplier nanos;
    private final Map<Endpoint, State> states = new HashMap<>(); // guarded by this; replaced, never mutated, in reads
    private volatile Map<Endpoint, State> lookup = Map.of();
    private volatile View view = new View(List.of(), List.of(), false, Long.MAX_VALUE);
    private final List<Consumer<Endpoint>> retired = new CopyOnWriteArrayList<>();

    /**
     * What calls choose from.
     *
     * @param all        every instance
     * @param available  those not ejected nor unhealthy, or {@code all} when none is left, or when none is out
     * @param panic      whether every instance is out, so that {@code available} is {@code all}
     * @param nextReturn when the next ejection ends, in {@code nanos} time; {@code Long.MAX_VALUE} for none
     */
    record View(List<Endpoint> all, List<Endpoint> available, boolean panic, long nextReturn) {
    }

    /** The health of one instance. */
    static final class State {
        final AtomicInteger failures = new AtomicInteger();
        boolean ejected;
        long ejectedUntil;
        int ejections;
        long returnedAt;
        boolean unhealthy;
        int checksPassed;
        int checksFailed;
    }

    Instances(String upstream, OutlierDetection outliers, LongSupplier nanos) {
        this.upstream = upstream;
        this.outliers = outliers;
        this.nanos = nanos;
    }

    /** Returns the instances calls choose from now (see {@link View#available()}). */
    List<Endpoint> available() {
        View v = view;
        if (v.nextReturn != Long.MAX_VALUE && nanos.getAsLong() - v.nextReturn >= 0) {
            v = refresh();
        }
        return v.available;
    }

    /** Returns the current view, with ejections that have ended applied. */
    View view() {
        available();
        return view;
    }

    /** Returns every instance, in or out. */
    List<Endpoint> all() {
        return view.all;
    }

    /** Returns the instances that outlier detection has ejected ({@code true}) or the health check failed now. */
    List<Endpoint> out(boolean ejected) {
        List<Endpoint> all = view().all;
        List<Endpoint> out = new ArrayList<>();
        synchronized (this) {
            for (Endpoint endpoint : all) {
                State state = states.get(endpoint);
                if (state != null && (ejected ? state.ejected : state.unhealthy)) {
                    out.add(endpoint);
                }
            }
        }
        return List.copyOf(out);
    }

    private View refresh() {
        List<Endpoint> returned = new ArrayList<>(1);
        View v;
        synchronized (this) {
            v = view;
            long now = nanos.getAsLong();
            if (v.nextReturn == Long.MAX_VALUE || now - v.nextReturn < 0) {
                return v; // another thread has refreshed it
            }
            v = build(now, returned);
            view = v;
        }
        log(returned, v);
        return v;
    }

    /** Adds a listener told of each instance that leaves the set. */
    void onRetired(Consumer<Endpoint> listener) {
        retired.add(listener);
    }

    /** Removes a listener added with {@link #onRetired}. */
    void offRetired(Consumer<Endpoint> listener) {
        retired.remove(listener);
    }

    /** Replaces the set of instances: new ones start healthy, those that left lose their state. */
    void update(List<Endpoint> endpoints) {
        List<Endpoint> gone = new ArrayList<>();
        List<Endpoint> returned = new ArrayList<>(1);
        View v;
        synchronized (this) {
            List<Endpoint> all = List.copyOf(new LinkedHashSet<>(endpoints));
            Map<Endpoint, State> next = new HashMap<>();
            for (Endpoint endpoint : all) {
                State state = states.get(endpoint);
                next.put(endpoint, state != null ? state : new State());
            }
            for (Endpoint old : view.all) {
                if (!next.containsKey(old)) {
                    gone.add(old);
                }
            }
            states.clear();
            states.putAll(next);
            lookup = Map.copyOf(next);
            v = build(all, nanos.getAsLong(), returned);
            view = v;
        }
        if (!gone.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "upstream {0}: instances {1} left; now {2}", upstream, gone, v.all);
        }
        log(returned, v);
        for (Endpoint endpoint : gone) {
            for (Consumer<Endpoint> listener : retired) {
                listener.accept(endpoint);
            }
        }
    }

    /** Counts a call attempt's outcome toward ejecting its instance (outlier detection only). */
    @Override
    public void onOutcome(CallOutcome outcome) {
        State state = lookup.get(outcome.endpoint());
        if (state == null) {
            return; // an instance that has left
        }
        boolean failed = switch (outcome.kind()) {
            case CONNECT_FAILURE, TIMEOUT, PROTOCOL_ERROR -> true;
            case RESET -> !outcome.retried(); // a pooled connection the upstream had closed says nothing of its health
            case RESPONSE -> outliers.isFailure(outcome.status());
            default -> false;
        };
        if (failed) {
            if (state.failures.incrementAndGet() >= outliers.consecutiveFailures()) {
                eject(outcome.endpoint(), state);
            }
        } else if (outcome.kind() == CallOutcome.Kind.RESPONSE && state.failures.get() != 0) {
            state.failures.set(0);
        }
    }

    private void eject(Endpoint endpoint, State state) {
        long duration;
        List<Endpoint> returned = new ArrayList<>(1);
        View v;
        synchronized (this) {
            long now = nanos.getAsLong();
            if (states.get(endpoint) != state || state.ejected && now - state.ejectedUntil < 0) {
                return;
            }
            int ejected = 0;
            for (State s : states.values()) {
                if (s.ejected && now - s.ejectedUntil < 0) {
                    ejected++;
                }
            }
            if (ejected > 0 && ejected >= outliers.maxEjectedShare() * states.size()) {
                return; // at the cap: the failures keep counting, and the next one tries again
            }
            view = build(now, returned); // ends the ejections that are over, this one's included
            long base = outliers.baseEjectionTime().toNanos();
            if (state.ejections > 0) {
                // one ejection forgiven per base time spent back in balancing
                state.ejections = (int) Math.max(0, state.ejections - (now - state.returnedAt) / base);
            }
            state.ejections++;
            duration = Math.min(base * state.ejections, outliers.maxEjectionTime().toNanos());
            state.ejected = true;
            state.ejectedUntil = now + duration;
            state.failures.set(0);
            v = build(now, returned);
            view = v;
        }
        log(returned, null); // an ejection it ended first, which may be this instance's previous one
        LOG.log(System.Logger.Level.WARNING, "upstream {0}: instance {1} ejected for {2} ms (ejection {3})", upstream,
                endpoint, duration / 1_000_000, state.ejections);
        log(List.of(), v);
    }

    /** Counts an active check's result toward taking the instance out or bringing it back. */
    void checked(Endpoint endpoint, boolean passed, HealthCheck check) {
        String change = null;
        List<Endpoint> returned = new ArrayList<>(1);
        View v = null;
        synchronized (this) {
            State state = states.get(endpoint);
            if (state == null) {
                return;
            }
            if (passed) {
                state.checksFailed = 0;
                state.checksPassed++;
                if (state.unhealthy && state.checksPassed >= check.healthyThreshold()) {
                    state.unhealthy = false;
                    change = "healthy again";
                }
            } else {
                state.checksPassed = 0;
                state.checksFailed++;
                if (!state.unhealthy && state.checksFailed >= check.unhealthyThreshold()) {
                    state.unhealthy = true;
                    change = "unhealthy";
                }
            }
            if (change != null) {
                v = build(nanos.getAsLong(), returned);
                view = v;
            }
        }
        if (change != null) {
            log(returned, null);
            LOG.log(System.Logger.Level.WARNING, "upstream {0}: instance {1} is {2} by its health check", upstream,
                    endpoint, change);
            log(List.of(), v);
        }
    }

    /**
     * Builds the view of the current set at {@code now}, ending the ejections that are over and adding their
     * instances to {@code returned}. Call under the lock, and {@link #log} what changed once it is released.
     */
    private View build(long now, List<Endpoint> returned) {
        return build(view.all, now, returned);
    }

    private View build(List<Endpoint> all, long now, List<Endpoint> returned) {
        List<Endpoint> available = new ArrayList<>(all.size());
        long nextReturn = Long.MAX_VALUE;
        for (Endpoint endpoint : all) {
            State state = states.get(endpoint);
            if (state.ejected && now - state.ejectedUntil >= 0) {
                state.ejected = false;
                state.returnedAt = state.ejectedUntil; // back since then, whenever a call noticed
                state.failures.set(0);
                returned.add(endpoint);
            }
            if (state.ejected) {
                nextReturn = nextReturn == Long.MAX_VALUE || state.ejectedUntil - nextReturn < 0 ? state.ejectedUntil : nextReturn;
            } else if (!state.unhealthy) {
                available.add(endpoint);
            }
        }
        boolean panic = available.isEmpty() && !all.isEmpty();
        return new View(all, panic || available.size() == all.size() ? all : List.copyOf(available), panic, nextReturn);
    }

    /** Logs the instances back from ejection, then panic if {@code built} is in panic; never under the lock. */
    private void log(List<Endpoint> returned, View built) {
        for (Endpoint endpoint : returned) {
            LOG.log(System.Logger.Level.INFO, "upstream {0}: instance {1} returns from ejection", upstream, endpoint);
        }
        if (built != null && built.panic) {
            LOG.log(System.Logger.Level.WARNING, "upstream {0}: every instance is out; balancing over all of them", upstream);
        }
    }

    /** Returns an instance's state, for tests. */
    synchronized State state(Endpoint endpoint) {
        return states.get(endpoint);
    }
}
