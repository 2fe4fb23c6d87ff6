package dev.portico.undertow;

import org.xnio.XnioIoThread;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.ReadReadyHandler;
import org.xnio.conduits.StreamSourceConduit;

import java.util.concurrent.RejectedExecutionException;

/**
 * The socket source of a {@link PorticoServer} connection, which suspends reads lazily: Undertow suspends a
 * connection's reads while each request runs and resumes them after its response, and passed straight on, each of
 * those costs the selector an {@code epoll_ctl} system call (the two calls are a third of a proxied request's system
 * calls). Here a suspension is only noted, and the socket stays registered; should the client send something (a
 * pipelined request, its close) while reads are suspended, the readiness is not passed on but turns into the real
 * suspension, so what Undertow sees is unchanged. Only a bodiless request's wait is lazy: while a request body is
 * read, its reads are paused and resumed for backpressure, and those suspensions pass straight on ({@link #eager}).
 * Its state is kept on the connection's IO thread.
 */
final class LazySuspendConduit extends AbstractStreamSourceConduit<StreamSourceConduit> {

    private final XnioIoThread thread;
    /** Whether reads are resumed as the layers above see them. */
    private boolean resumed;
    /** Whether the socket's reads are resumed in the selector. */
    private boolean armed;
    /** Whether suspensions pass straight on, for the request now running. */
    private boolean eager;

    LazySuspendConduit(StreamSourceConduit next) {
        super(next);
        this.thread = next.getReadThread();
    }

    @Override
    public void resumeReads() {
        if (movedToIoThread(this::resumeReads)) {
            return;
        }
        resumed = true;
        if (!armed) {
            armed = true;
            next.resumeReads();
        }
    }

    @Override
    public void suspendReads() {
        if (movedToIoThread(this::suspendReads)) {
            return;
        }
        resumed = false;
        if (eager) {
            disarm();
        }
    }

    /**
     * Passes suspensions straight on until {@link #lazy}, starting with the one in effect; call on the IO thread when
     * a request with a body starts.
     */
    void eager() {
        eager = true;
        if (!resumed) {
            disarm();
        }
    }

    /** Suspends the socket's reads for real, if they are not already. */
    private void disarm() {
        if (armed) {
            armed = false;
            next.suspendReads();
        }
    }

    /** Suspends lazily again; call on the IO thread once the request with a body is complete. */
    void lazy() {
        eager = false;
    }

    @Override
    public void wakeupReads() {
        if (movedToIoThread(this::wakeupReads)) {
            return;
        }
        resumed = true;
        armed = true;
        next.wakeupReads();
    }

    /**
     * Returns whether the caller is off the IO thread, in which case {@code call} runs there instead; once the thread
     * is stopping and takes no task, the call is dropped, as the connection closes with it.
     */
    private boolean movedToIoThread(Runnable call) {
        if (Thread.currentThread() == thread) {
            return false;
        }
        try {
            thread.execute(call);
        } catch (RejectedExecutionException stopping) {
            // nothing left to read for
        }
        return true;
    }

    @Override
    public boolean isReadResumed() {
        return resumed;
    }

    @Override
    public void setReadReadyHandler(ReadReadyHandler handler) {
        next.setReadReadyHandler(handler == null ? null : new ReadReadyHandler() {
            @Override
            public void readReady() {
                if (resumed) {
                    handler.readReady();
                } else {
                    armed = false; // something came while suspended: now suspend for real, until resumed
                    next.suspendReads(); // even if not armed: readiness means the socket is, whoever resumed it
                }
            }

            @Override
            public void forceTermination() {
                handler.forceTermination();
            }

            @Override
            public void terminated() {
                handler.terminated();
            }
        });
    }
}
