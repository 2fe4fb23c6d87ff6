package dev.portico.undertow.internal.buffer;

import org.xnio.XnioIoThread;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * A value for each thread, like a {@link ThreadLocal}, that an XNIO IO thread finds by its number in an array
 * instead of by hashing into its thread-local map: the lookup the request path makes several times a request. Any
 * other thread, and an IO thread whose number another live IO thread (of another worker) holds, uses a
 * {@link ThreadLocal}.
 */
public final class PerIoThread<T> {

    /** An IO thread's value, read and written only by that thread. */
    private static final class Slot<T> {
        final Thread thread;
        T value;

        Slot(Thread thread, T value) {
            this.thread = thread;
            this.value = value;
        }
    }

    private final Supplier<? extends T> initial;
    private final ThreadLocal<T> others;
    @SuppressWarnings("unchecked")
    private volatile Slot<T>[] slots = new Slot[0];

    /** Values made by {@code initial} on each thread's first {@link #get()}. */
    public PerIoThread(Supplier<? extends T> initial) {
        this.initial = initial;
        this.others = ThreadLocal.withInitial(initial);
    }

    /** Returns this thread's value, made on its first call. */
    public T get() {
        Slot<T> own = own();
        return own != null ? own.value : others.get();
    }

    /** Replaces this thread's value. */
    public void set(T value) {
        Slot<T> own = own();
        if (own != null) {
            own.value = value;
        } else {
            others.set(value);
        }
    }

    /** Returns this IO thread's slot, or {@code null} for a thread that uses the {@link ThreadLocal}. */
    private Slot<T> own() {
        if (!(Thread.currentThread() instanceof XnioIoThread io)) {
            return null;
        }
        int n = io.getNumber();
        Slot<T>[] all = slots;
        Slot<T> slot = n >= 0 && n < all.length ? all[n] : null;
        if (slot != null && slot.thread == io) {
            return slot;
        }
        if (slot != null && slot.thread.isAlive()) {
            return null; // the same number in another worker: its ThreadLocal, without taking the lock each time
        }
        return claim(io, n);
    }

    /** Makes the slot of an IO thread whose number is free or held by a thread that ended; else {@code null}. */
    private synchronized Slot<T> claim(Thread current, int n) {
        Slot<T>[] all = slots;
        if (n < 0) {
            return null;
        }
        if (n < all.length && all[n] != null) {
            if (all[n].thread == current) {
                return all[n];
            }
            if (all[n].thread.isAlive()) {
                return null; // the same number in another worker
            }
        }
        Slot<T>[] grown = n < all.length ? all.clone() : Arrays.copyOf(all, n + 1);
        Slot<T> slot = new Slot<>(current, initial.get());
        grown[n] = slot;
        slots = grown;
        return slot;
    }
}
