package dev.portico.core.resilience;

import dev.portico.core.Handler;
import dev.portico.core.Response;
import dev.portico.core.internal.Checks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * A circuit breaker for one upstream: closed, it lets every call through and records the last calls in a sliding
 * window; once the window holds at least {@code minimumCalls} and the failure rate (5xx, connect failures, resets,
 * timeouts) or the slow-call rate reaches its threshold, it opens and refuses calls at once for {@code openFor};
 * then half-open, it lets {@code halfOpenCalls} trial calls through, closing when all succeed and opening again at
 * the first failure. Thread-safe; its methods are quick and never block, so they run on IO threads.
 *
 * <p>While it is open a call gets the fallback, if set, or {@code 503 service_unavailable} JSON with
 * {@code Retry-After}.
 *
 * <pre>{@code
 * CircuitBreaker breaker = CircuitBreaker.builder().failureRate(0.5).openFor(Duration.ofSeconds(10)).build();
 * Upstream users = Upstream.builder("users").instance("http://10.0.0.7:8080").circuitBreaker(breaker).build();
 * }</pre>
 */
public final class CircuitBreaker {

    /** The states of a breaker. */
    public enum State {
        /** Calls go through and are recorded. */
        CLOSED,
        /** Calls are refused at once. */
        OPEN,
        /** A few trial calls go through; their outcome closes or reopens the breaker. */
        HALF_OPEN
    }

    /** Hears each change of state; called on the thread that caused it, after the change, so it must not block. */
    @FunctionalInterface
    public interface Listener {

        /** Hears that the breaker went from {@code from} to {@code to}. */
        void onTransition(State from, State to);
    }

    /** What {@link #tryAcquirePermission()} returns when it refuses a call. */
    public static final long NO_PERMISSION = -1;

    private static final byte FAILED = 1;
    private static final byte SLOW = 2;
    private static final long ONE_SECOND = 1_000_000_000L;

    private final double failureRate;
    private final double slowCallRate;
    private final long slowCallNanos;
    private final int minimumCalls;
    private final long openNanos;
    private final int halfOpenCalls;
    private final Handler fallback;
    private final LongSupplier ticker;
    private final List<Listener> listeners;

    // guarded by this
    private final byte[] window;
    private int next;
    private int recorded;
    private int failures;
    private int slow;
    private State state = State.CLOSED;
    private long openedAt;
    private int trialsStarted;
    private int trialsSucceeded;
    private long epoch; // bumped on every change of state: a permission is good only in the epoch that gave it

    private CircuitBreaker(Builder b) {
        this.failureRate = b.failureRate;
        this.slowCallRate = b.slowCallRate;
        this.slowCallNanos = b.slowCall != null ? b.slowCall.toNanos() : Long.MAX_VALUE;
        this.minimumCalls = b.minimumCalls;
        this.openNanos = b.openFor.toNanos();
        this.halfOpenCalls = b.halfOpenCalls;
        this.fallback = b.fallback;
        this.ticker = b.ticker;
        this.listeners = List.copyOf(b.listeners);
        this.window = new byte[b.window];
    }

    /**
     * Returns a builder: opens at a 50% failure rate over the last 20 calls (at least 10 recorded), stays open 10
     * seconds, then lets 3 trial calls through; slow calls are not counted unless set.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the current state; an open breaker whose time is over reads as half-open. */
    public synchronized State state() {
        if (state == State.OPEN && ticker.getAsLong() - openedAt >= openNanos) {
            return State.HALF_OPEN;
        }
        return state;
    }

    /**
     * Asks to make one call: returns its permission, {@code >= 0}, when it may go (then exactly one of
     * {@link #onSuccess}, {@link #onFailure} or {@link #releasePermission} must follow, with that permission), or
     * {@link #NO_PERMISSION} when the breaker is open or its trial calls are taken. A permission is good until the
     * breaker changes state: the outcome of a call let through before that changes nothing.
     */
    public long tryAcquirePermission() {
        State from;
        long permission;
        synchronized (this) {
            from = state;
            if (state == State.CLOSED) {
                return epoch;
            }
            if (state == State.OPEN) {
                if (ticker.getAsLong() - openedAt < openNanos) {
                    return NO_PERMISSION;
                }
                state = State.HALF_OPEN;
                epoch++;
                trialsStarted = 0;
                trialsSucceeded = 0;
            }
            if (trialsStarted >= halfOpenCalls) {
                return NO_PERMISSION;
            }
            trialsStarted++;
            permission = epoch;
        }
        if (from != State.HALF_OPEN) {
            notify(from, State.HALF_OPEN);
        }
        return permission;
    }

    /** Gives back a permission whose call ended without an outcome to judge (cancelled, or refused locally). */
    public void releasePermission(long permission) {
        synchronized (this) {
            if (permission == epoch && state == State.HALF_OPEN && trialsStarted > trialsSucceeded) {
                trialsStarted--;
            }
        }
    }

    /**
     * Records that the call of this permission succeeded after {@code elapsed}; it counts as slow at or over the
     * slow-call duration.
     */
    public void onSuccess(long permission, Duration elapsed) {
        record(permission, false, elapsed.toNanos() >= slowCallNanos);
    }

    /**
     * Records that the call of this permission failed after {@code elapsed}: a 5xx, a connect failure, a reset or a
     * timeout.
     */
    public void onFailure(long permission, Duration elapsed) {
        record(permission, true, elapsed.toNanos() >= slowCallNanos);
    }

    /**
     * Returns how long a refused caller should wait: while open, until the breaker lets trial calls through, and at
     * least one second, as while half-open (its trials are under way), so that refused clients do not come back at
     * once all together; zero when closed.
     */
    public synchronized Duration retryAfter() {
        if (state == State.CLOSED) {
            return Duration.ZERO;
        }
        long left = state == State.OPEN ? openNanos - (ticker.getAsLong() - openedAt) : 0;
        return Duration.ofNanos(Math.max(ONE_SECOND, left));
    }

    /** Returns the handler that answers calls refused while open, or {@code null} for 503 JSON. */
    public Handler fallback() {
        return fallback;
    }

    private void record(long permission, boolean failed, boolean slowCall) {
        State from;
        State to;
        synchronized (this) {
            from = state;
            if (permission != epoch || state == State.OPEN) {
                return; // a call let through before the last change of state: it changes nothing now
            }
            if (state == State.HALF_OPEN) {
                if (failed || slowCall) {
                    open();
                } else if (++trialsSucceeded >= halfOpenCalls) {
                    close();
                }
            } else {
                add((byte) ((failed ? FAILED : 0) | (slowCall ? SLOW : 0)));
                if (recorded >= minimumCalls && (failures >= failureRate * recorded || slow >= slowCallRate * recorded)) {
                    open();
                }
            }
            to = state;
        }
        if (from != to) {
            notify(from, to);
        }
    }

    private void add(byte outcome) {
        if (recorded == window.length) {
            byte evicted = window[next];
            failures -= evicted & FAILED;
            slow -= (evicted & SLOW) >> 1;
        } else {
            recorded++;
        }
        window[next] = outcome;
        next = (next + 1) % window.length;
        failures += outcome & FAILED;
        slow += (outcome & SLOW) >> 1;
    }

    private void open() {
        state = State.OPEN;
        epoch++;
        openedAt = ticker.getAsLong();
        clear();
    }

    private void close() {
        state = State.CLOSED;
        epoch++;
        clear();
    }

    private void clear() {
        recorded = 0;
        failures = 0;
        slow = 0;
        next = 0;
    }

    private void notify(State from, State to) {
        for (Listener listener : listeners) {
            try {
                listener.onTransition(from, to);
            } catch (RuntimeException e) {
                System.getLogger(CircuitBreaker.class.getName()).log(System.Logger.Level.WARNING,
                        "a circuit breaker listener failed", e);
            }
        }
    }

    @Override
    public String toString() {
        return "CircuitBreaker{" + state() + '}';
    }

    /** A builder of {@link CircuitBreaker}. */
    public static final class Builder {

        private double failureRate = 0.5;
        private double slowCallRate = 1.0;
        private Duration slowCall;
        private int window = 20;
        private int minimumCalls = 10;
        private Duration openFor = Duration.ofSeconds(10);
        private int halfOpenCalls = 3;
        private Handler fallback;
        private LongSupplier ticker = System::nanoTime;
        private final List<Listener> listeners = new ArrayList<>();

        private Builder() {
        }

        /** Sets the failure rate, 0 (exclusive) to 1, at which the breaker opens (default 0.5). */
        public Builder failureRate(double rate) {
            this.failureRate = rate(rate, "failureRate");
            return this;
        }

        /**
         * Counts calls whose response head took {@code duration} or more as slow, and opens the breaker when their
         * rate reaches {@code rate}, 0 (exclusive) to 1 (default: slow calls are not counted); in half-open state a
         * slow trial reopens it.
         */
        public Builder slowCalls(Duration duration, double rate) {
            this.slowCall = Checks.positive(duration, "duration");
            this.slowCallRate = rate(rate, "rate");
            return this;
        }

        /**
         * Sets the sliding window: the rates are over the last {@code calls} calls (default 20), judged once at
         * least {@code minimumCalls} are recorded (default 10).
         */
        public Builder window(int calls, int minimumCalls) {
            if (calls < 1) {
                throw new IllegalArgumentException("calls: " + calls + " (expected: >= 1)");
            }
            if (minimumCalls < 1 || minimumCalls > calls) {
                throw new IllegalArgumentException("minimumCalls: " + minimumCalls + " (expected: 1-" + calls + ")");
            }
            this.window = calls;
            this.minimumCalls = minimumCalls;
            return this;
        }

        /** Sets how long the breaker stays open before it lets trial calls through (default 10 seconds). */
        public Builder openFor(Duration duration) {
            this.openFor = Checks.positive(duration, "openFor");
            return this;
        }

        /** Sets how many trial calls a half-open breaker lets through (default 3); all must succeed to close it. */
        public Builder halfOpenCalls(int calls) {
            if (calls < 1) {
                throw new IllegalArgumentException("halfOpenCalls: " + calls + " (expected: >= 1)");
            }
            this.halfOpenCalls = calls;
            return this;
        }

        /** Answers refused calls with this handler instead of 503 JSON. */
        public Builder fallback(Handler fallback) {
            this.fallback = Objects.requireNonNull(fallback, "fallback");
            return this;
        }

        /** Answers refused calls with this response, whose body must be buffered, instead of 503 JSON. */
        public Builder fallback(Response response) {
            Objects.requireNonNull(response, "response");
            if (!response.body().isBuffered()) {
                throw new IllegalArgumentException("response: a streamed body (expected: a buffered body, sent each time)");
            }
            return fallback((request, context) -> CompletableFuture.completedFuture(response));
        }

        /** Adds a listener that hears every change of state. */
        public Builder listener(Listener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Sets the source of {@link System#nanoTime()}-like readings, for tests (default {@code System::nanoTime}). */
        public Builder ticker(LongSupplier nanoTime) {
            this.ticker = Objects.requireNonNull(nanoTime, "nanoTime");
            return this;
        }

        /** Returns a new breaker, closed. */
        public CircuitBreaker build() {
            return new CircuitBreaker(this);
        }

        private static double rate(double rate, String name) {
            if (!(rate > 0 && rate <= 1)) {
                throw new IllegalArgumentException(name + ": " + rate + " (expected: > 0 and <= 1)");
            }
            return rate;
        }
    }
}
