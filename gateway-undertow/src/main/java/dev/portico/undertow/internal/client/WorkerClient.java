package dev.portico.undertow.internal.client;

import dev.portico.core.Gateway;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.spi.CallOptions;
import dev.portico.core.spi.UpstreamClient;
import dev.portico.core.upstream.Endpoint;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The upstream transport for calls made outside any client request (health checks, key refreshes): each call runs
 * on the calling IO thread, or on one the worker picks, and shares the per-thread pools with the proxy's own calls.
 */
public final class WorkerClient implements UpstreamClient {

    private final ConnectionPool pool;
    private final Supplier<Gateway> gateway;
    private final Supplier<XnioWorker> worker;

    /** A transport for calls outside client requests, with the settings of the gateway served now. */
    public WorkerClient(ConnectionPool pool, Supplier<Gateway> gateway, Supplier<XnioWorker> worker) {
        this.pool = pool;
        this.gateway = gateway;
        this.worker = worker;
    }

    @Override
    public CompletionStage<Response> send(Endpoint endpoint, Request request, CallOptions options) {
        XnioIoThread thread = Thread.currentThread() instanceof XnioIoThread current ? current : ioThread();
        Gateway settings = gateway.get();
        return new UpstreamCall(pool, null, null, thread, endpoint, request, options, settings.maxResponseHeaderSize(),
                settings.bodyIdleTimeout()).start();
    }

    /** Returns the calling IO thread, or one the worker picks; the caller's own thread before the worker is known. */
    @Override
    public Executor executor() {
        if (Thread.currentThread() instanceof XnioIoThread current) {
            return current;
        }
        XnioWorker w = worker.get();
        return w != null ? w.getIoThread() : Runnable::run;
    }

    private XnioIoThread ioThread() {
        XnioWorker w = worker.get();
        if (w == null) {
            throw new IllegalStateException("no IO thread yet: a mounted PorticoHandler learns its server's worker "
                    + "from the first request it serves");
        }
        return w.getIoThread();
    }
}
