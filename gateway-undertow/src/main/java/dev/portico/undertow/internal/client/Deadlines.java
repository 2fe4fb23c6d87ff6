package dev.portico.undertow.internal.client;

import dev.portico.undertow.internal.buffer.PerIoThread;
import org.xnio.XnioIoThread;

import java.util.ArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The upstream call deadlines of one IO thread, checked by one 10 ms tick while any call is pending, instead of a
 * timer scheduled and cancelled per call (XNIO keeps timers in a tree set: a cost on every request).
 */
final class Deadlines implements Runnable {

    private static final long TICK_MILLIS = 10;
    private static final PerIoThread<Deadlines> BY_THREAD = new PerIoThread<>(() -> null);

    private final XnioIoThread thread;
    private final ArrayList<UpstreamCall> watched = new ArrayList<>();
    private boolean ticking;

    private Deadlines(XnioIoThread thread) {
        this.thread = thread;
    }

    /** Returns the deadlines of this IO thread; call on that thread. */
    static Deadlines of(XnioIoThread thread) {
        Deadlines deadlines = BY_THREAD.get();
        if (deadlines == null || deadlines.thread != thread) {
            deadlines = new Deadlines(thread);
            BY_THREAD.set(deadlines);
        }
        return deadlines;
    }

    /** Starts watching a call until its deadline is cleared or passes. */
    void watch(UpstreamCall call) {
        watched.add(call);
        if (!ticking) {
            tick();
        }
    }

    @Override
    public void run() {
        long now = System.nanoTime();
        int kept = 0;
        for (int i = 0; i < watched.size(); i++) {
            UpstreamCall call = watched.get(i);
            if (!call.expireIfDue(now)) {
                if (call.hasDeadline()) {
                    watched.set(kept++, call);
                } else {
                    call.unwatched();
                }
            }
        }
        watched.subList(kept, watched.size()).clear();
        ticking = false;
        if (!watched.isEmpty()) {
            tick();
        }
    }

    /** Schedules the next tick, unless the thread is stopping: then its calls end with its connections. */
    private void tick() {
        try {
            thread.executeAfter(this, TICK_MILLIS, TimeUnit.MILLISECONDS);
            ticking = true;
        } catch (RejectedExecutionException stopping) {
            ticking = false;
        }
    }
}
