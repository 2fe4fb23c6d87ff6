package dev.portico.test;

import dev.portico.core.TimeSource;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

/**
 * A {@link TimeSource} that stands still until a test moves it: {@link #advance} runs every task that falls due, in
 * time order, on the caller's thread, so route timeouts, retry backoff, token expiry and rate-limit refills happen
 * without sleeping.
 *
 * <pre>{@code
 * tester.clock().advance(Duration.ofMinutes(1));
 * }</pre>
 */
public final class TestClock implements TimeSource {

    /** An arbitrary start for {@link #nanoTime()}: far from zero, as the system's is, so no reading is special. */
    private static final long START_NANOS = 1L << 40;

    private final Instant start;
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private long elapsed; // nanoseconds since the start, guarded by this
    private long sequence; // ties in due time run in scheduling order, guarded by this

    private TestClock(Instant start) {
        this.start = start;
    }

    /** Returns a clock whose wall time starts now, truncated to the millisecond. */
    public static TestClock start() {
        return at(Instant.ofEpochMilli(System.currentTimeMillis()));
    }

    /** Returns a clock whose wall time starts at this instant. */
    public static TestClock at(Instant start) {
        return new TestClock(Objects.requireNonNull(start, "start"));
    }

    @Override
    public synchronized long nanoTime() {
        return START_NANOS + elapsed;
    }

    @Override
    public synchronized Instant instant() {
        return start.plusNanos(elapsed);
    }

    /** Returns how much time has passed since the clock started. */
    public synchronized Duration elapsed() {
        return Duration.ofNanos(elapsed);
    }

    @Override
    public Future<?> schedule(Runnable task, Duration delay) {
        Objects.requireNonNull(task, "task");
        synchronized (this) {
            Task scheduled = new Task(task, elapsed + Math.max(0, delay.toNanos()), sequence++);
            tasks.add(scheduled);
            return scheduled;
        }
    }

    /** Moves the clock forward by {@code duration}, running each task that falls due on the way, at its due time. */
    public void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("duration: " + duration + " (expected: >= 0)");
        }
        long until;
        synchronized (this) {
            until = elapsed + duration.toNanos();
        }
        while (runNext(until)) {
            // a task may schedule another one, due before the end: the loop runs it too
        }
        synchronized (this) {
            elapsed = Math.max(elapsed, until);
        }
    }

    /** Returns how many scheduled tasks have not run nor been cancelled yet. */
    public synchronized int pendingTasks() {
        tasks.removeIf(Task::isDone);
        return tasks.size();
    }

    /** Moves the clock to the next pending task and runs it; returns {@code false} when none is pending. */
    boolean advanceToNextTask() {
        return runNext(Long.MAX_VALUE);
    }

    /** Runs the first task due by {@code until} (nanoseconds since the start), moving the clock to its time. */
    private boolean runNext(long until) {
        Task next;
        synchronized (this) {
            do {
                next = tasks.peek();
                if (next == null || next.due > until) {
                    return false;
                }
                tasks.poll();
            } while (next.isDone());
            elapsed = Math.max(elapsed, next.due);
        }
        next.run();
        return true;
    }

    @Override
    public String toString() {
        return "TestClock{" + instant() + ", pending=" + pendingTasks() + '}';
    }

    /** A scheduled task, ordered by due time, then by when it was scheduled. */
    private static final class Task extends FutureTask<Void> implements Comparable<Task> {
        final long due;
        final long order;

        Task(Runnable task, long due, long order) {
            super(task, null);
            this.due = due;
            this.order = order;
        }

        @Override
        protected void setException(Throwable failure) {
            super.setException(failure);
            System.getLogger(TestClock.class.getName()).log(System.Logger.Level.WARNING, "a timer task failed", failure);
        }

        @Override
        public int compareTo(Task other) {
            return due != other.due ? Long.compare(due, other.due) : Long.compare(order, other.order);
        }
    }
}
