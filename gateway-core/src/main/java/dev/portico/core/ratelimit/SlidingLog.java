package dev.portico.core.ratelimit;

/**
 * The requests one key had accepted under one sliding limit within the last period: a ring of their times, in ticks
 * from a base of its own, that starts small and grows up to the limit's permits. Not thread-safe: its owner locks.
 *
 * <p>A time is stored rounded up to a tick and the present read rounded down, so a request counts as a period old
 * only when it truly is: the log never lets more than {@code permits} through in any period, and at most two ticks
 * (a microsecond for a period of a minute) later than an exact clock would.
 */
final class SlidingLog {

    /** One sliding limit's geometry in ticks, shared by all its logs. */
    record Window(int permits, long tickNanos, long periodTicks) {

        /**
         * Returns the window of a limit, in the finest of nanoseconds, microseconds, milliseconds and seconds that
         * counts its period in at most 2^30 ticks (a period over 34 years in 2^30 ticks of its own).
         */
        static Window of(Limit limit) {
            long period = Math.min(nanos(limit), 1L << 61); // 73 years: no product below overflows
            long tick = 1;
            while (tick < 1_000_000_000 && period > MAX_PERIOD_TICKS * tick) {
                tick *= 1_000;
            }
            tick = Math.max(tick, ceilDiv(period, MAX_PERIOD_TICKS));
            return new Window((int) limit.permits(), tick, ceilDiv(period, tick));
        }

        private static long nanos(Limit limit) {
            try {
                return limit.period().toNanos();
            } catch (ArithmeticException e) {
                return Long.MAX_VALUE;
            }
        }
    }

    private static final long MAX_PERIOD_TICKS = 1L << 30;
    private static final int INITIAL_CAPACITY = 4;
    /** The tick past which the base moves forward, so that a stored tick always fits an int. */
    private static final long REBASE_AT = Integer.MAX_VALUE - 1;

    private final Window window;
    private long baseNanos;
    private int[] ticks;
    private int head;
    private int count;

    SlidingLog(Window window, long nowNanos) {
        this.window = window;
        this.baseNanos = nowNanos;
        this.ticks = new int[Math.min(INITIAL_CAPACITY, window.permits())];
    }

    /** Forgets the requests a period old at {@code now} and returns whether another may be accepted. */
    boolean hasRoom(long now) {
        long present = Math.floorDiv(now - baseNanos, window.tickNanos());
        while (count > 0 && present - ticks[head] >= window.periodTicks()) {
            head = next(head);
            count--;
        }
        if (count == 0) {
            baseNanos = now;
        } else if (present >= REBASE_AT) {
            rebase(present - window.periodTicks()); // every kept tick is above it
        }
        return count < window.permits();
    }

    /** Records a request accepted at {@code now}, after {@link #hasRoom} said there was room at that time. */
    void add(long now) {
        if (count == ticks.length) {
            grow();
        }
        ticks[(head + count) % ticks.length] = (int) ceilDiv(now - baseNanos, window.tickNanos());
        count++;
    }

    /** Returns how many requests were accepted within the period, as of the last {@link #hasRoom}. */
    int size() {
        return count;
    }

    /** Returns the nanoseconds from {@code now} until a request may be accepted again; 0 when one may. */
    long nanosToRoom(long now) {
        return count < window.permits() ? 0 : nanosUntilForgotten(ticks[head], now);
    }

    /** Returns the nanoseconds from {@code now} until every recorded request is forgotten: the budget whole again. */
    long nanosToEmpty(long now) {
        return count == 0 ? 0 : nanosUntilForgotten(ticks[(head + count - 1) % ticks.length], now);
    }

    private long nanosUntilForgotten(int tick, long now) {
        return Math.max(0, baseNanos + (tick + window.periodTicks()) * window.tickNanos() - now);
    }

    private void rebase(long by) {
        for (int i = 0, at = head; i < count; i++, at = next(at)) {
            ticks[at] -= (int) by;
        }
        baseNanos += by * window.tickNanos();
    }

    private void grow() {
        int[] larger = new int[(int) Math.min((long) ticks.length * 2, window.permits())];
        for (int i = 0, at = head; i < count; i++, at = next(at)) {
            larger[i] = ticks[at];
        }
        ticks = larger;
        head = 0;
    }

    private int next(int at) {
        return at + 1 == ticks.length ? 0 : at + 1;
    }

    private static long ceilDiv(long x, long y) {
        return -Math.floorDiv(-x, y);
    }
}
