package dev.portico.undertow.internal.buffer;

import org.xnio.XnioIoThread;

import java.util.Arrays;
import java.util.concurrent.RejectedExecutionException;

/**
 * The writes an IO thread starts while it handles one batch of ready channels, run back to back once it has handled
 * the whole batch or {@link #MAX} of them are held: a burst of writes wakes the processes at the other ends (clients,
 * upstreams) about once, where writes spread through the batch wake them, each a cross-CPU wake-up, one write at a
 * time. Under light load a batch holds one channel, so nothing waits.
 */
public final class WriteBatch implements Runnable {

    private static final System.Logger LOG = System.getLogger(WriteBatch.class.getName());
    private static final PerIoThread<WriteBatch> BY_THREAD = new PerIoThread<>(() -> null);

    /**
     * The most writes a batch holds back: the one that reaches it runs them all at once. It bounds the added wait
     * and the buffers held meanwhile (each held write keeps its upstream connection's read buffer): past it, more
     * held back cost more in cache misses than they save in wake-ups.
     */
    public static final int MAX = 64;

    private final XnioIoThread thread;
    private Runnable[] writes = new Runnable[MAX];
    private int size;
    private boolean scheduled;
    private boolean running;

    private WriteBatch(XnioIoThread thread) {
        this.thread = thread;
    }

    /**
     * Runs {@code write} on {@code thread} once the thread has handled its current batch of ready channels, after
     * the writes deferred before it. A stopping thread runs it at once; another thread hands it to {@code thread}.
     */
    public static void defer(XnioIoThread thread, Runnable write) {
        if (Thread.currentThread() != thread) {
            thread.execute(write);
            return;
        }
        WriteBatch batch = BY_THREAD.get();
        if (batch == null || batch.thread != thread) {
            batch = new WriteBatch(thread);
            BY_THREAD.set(batch);
        }
        batch.add(write);
    }

    private void add(Runnable write) {
        if (size == writes.length) {
            writes = Arrays.copyOf(writes, size * 2);
        }
        writes[size++] = write;
        if (size >= MAX) {
            flush();
            return;
        }
        if (!scheduled) {
            try {
                thread.execute(this); // XNIO runs its tasks after the ready channels, before it selects again
                scheduled = true;
            } catch (RejectedExecutionException stopping) {
                flush();
            }
        }
    }

    @Override
    public void run() {
        scheduled = false;
        flush();
    }

    private void flush() {
        if (running) {
            return;
        }
        running = true;
        try {
            for (int i = 0; i < size; i++) { // a write that defers another runs it in this pass
                Runnable write = writes[i];
                writes[i] = null;
                try {
                    write.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "a deferred write failed", e);
                }
            }
        } finally {
            Arrays.fill(writes, 0, size, null);
            size = 0;
            running = false;
        }
    }
}
