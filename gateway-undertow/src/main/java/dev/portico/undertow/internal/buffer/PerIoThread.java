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

    /** An IO thread's value. */
    private record Slot<T>(Thread thread, T value) {
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
        Thread current = Thread.currentThread();
        if (current instanceof XnioIoThread io) {
            int n = io.getNumber();
            Slot<T>[] all = slots;
            if (n >= 0 && n < all.length && all[n] != null && all[n].thread == current) {
                return all[n].value;
            }
            return claim(current, n);
        }
        return others.get();
    }

    /** Makes the value of an IO thread whose slot is free or held by a thread that ended. */
    private synchronized T claim(Thread current, int n) {
        Slot<T>[] all = slots;
        if (n < 0) {
            return others.get();
        }
        if (n < all.length && all[n] != null) {
            if (all[n].thread == current) {
                return all[n].value;
            }
            if (all[n].thread.isAlive()) {
                return others.get(); // the same number in another worker
            }
        }
        Slot<T>[] grown = n < all.length ? all.clone() : Arrays.copyOf(all, n + 1);
        T value = initial.get();
        grown[n] = new Slot<>(current, value);
        slots = grown;
        return value;
    }
}
