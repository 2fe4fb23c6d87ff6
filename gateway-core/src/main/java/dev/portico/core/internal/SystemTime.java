package dev.portico.core.internal;

import dev.portico.core.TimeSource;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** The system's {@link TimeSource}: the JVM's clocks and the shared {@link Timer} thread. */
public final class SystemTime implements TimeSource {

    /** The one instance. */
    public static final SystemTime INSTANCE = new SystemTime();

    private SystemTime() {
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Instant instant() {
        return Instant.now();
    }

    @Override
    public Future<?> schedule(Runnable task, Duration delay) {
        return Timer.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public String toString() {
        return "TimeSource.system()";
    }
}
