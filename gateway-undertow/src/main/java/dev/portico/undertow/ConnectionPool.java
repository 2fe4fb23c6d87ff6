package dev.portico.undertow;

import dev.portico.core.spi.Endpoint;
import io.undertow.client.ClientCallback;
import io.undertow.client.ClientConnection;
import io.undertow.client.UndertowClient;
import io.undertow.connector.ByteBufferPool;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.XnioIoThread;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keep-alive connections to upstream endpoints, pooled per IO thread (as Undertow's {@code ProxyHandler} does), so a
 * connection is only ever used by the thread that owns it and the pool needs no locks.
 */
final class ConnectionPool implements AutoCloseable {

    private static final OptionMap OPTIONS = OptionMap.builder().set(Options.TCP_NODELAY, true).getMap();

    private final ConcurrentHashMap<Endpoint, Idle> endpoints = new ConcurrentHashMap<>();
    private final Set<ClientConnection> open = ConcurrentHashMap.newKeySet();
    private final int maxIdlePerThread;
    private volatile boolean closed;

    ConnectionPool(int maxIdlePerThread) {
        this.maxIdlePerThread = maxIdlePerThread;
    }

    /** The idle connections to one endpoint, one deque per IO thread, each touched only by its thread. */
    private static final class Idle {
        final URI uri;
        final ArrayDeque<ClientConnection>[] byThread;

        @SuppressWarnings("unchecked")
        Idle(Endpoint endpoint, int threads) {
            String host = endpoint.host().indexOf(':') >= 0 ? '[' + endpoint.host() + ']' : endpoint.host();
            this.uri = URI.create("http://" + host + ':' + endpoint.port());
            this.byThread = new ArrayDeque[threads];
            for (int i = 0; i < threads; i++) {
                byThread[i] = new ArrayDeque<>();
            }
        }
    }

    private Idle idle(Endpoint endpoint, XnioIoThread thread) {
        Idle idle = endpoints.get(endpoint);
        if (idle == null) {
            idle = endpoints.computeIfAbsent(endpoint, e -> new Idle(e, thread.getWorker().getIoThreadCount()));
        }
        return idle;
    }

    /** Returns an open idle connection owned by this thread, or {@code null}. Call on {@code thread}. */
    ClientConnection acquire(Endpoint endpoint, XnioIoThread thread) {
        Idle idle = idle(endpoint, thread);
        int n = thread.getNumber();
        if (n >= idle.byThread.length) {
            return null;
        }
        ArrayDeque<ClientConnection> deque = idle.byThread[n];
        for (ClientConnection c = deque.pollLast(); c != null; c = deque.pollLast()) {
            if (c.isOpen()) {
                return c;
            }
        }
        return null;
    }

    /** Opens a new connection owned by {@code thread}. */
    void connect(Endpoint endpoint, XnioIoThread thread, ByteBufferPool buffers, ClientCallback<ClientConnection> callback) {
        if (closed) {
            callback.failed(new IOException("connection pool closed"));
            return;
        }
        URI uri = idle(endpoint, thread).uri;
        UndertowClient.getInstance().connect(new ClientCallback<>() {
            @Override
            public void completed(ClientConnection connection) {
                open.add(connection);
                connection.addCloseListener(open::remove);
                if (closed) {
                    IoUtils.safeClose(connection);
                    callback.failed(new IOException("connection pool closed"));
                    return;
                }
                callback.completed(connection);
            }

            @Override
            public void failed(IOException e) {
                callback.failed(e);
            }
        }, null, uri, thread, null, buffers, OPTIONS);
    }

    /** Returns a connection whose exchange is complete for reuse, or closes it. Call on its IO thread. */
    void release(Endpoint endpoint, ClientConnection connection) {
        if (closed || !connection.isOpen() || connection.isUpgraded()) {
            IoUtils.safeClose(connection);
            return;
        }
        Idle idle = endpoints.get(endpoint);
        int n = connection.getIoThread().getNumber();
        if (idle == null || n >= idle.byThread.length || idle.byThread[n].size() >= maxIdlePerThread) {
            IoUtils.safeClose(connection);
            return;
        }
        idle.byThread[n].addLast(connection);
    }

    @Override
    public void close() {
        closed = true;
        for (ClientConnection connection : open) {
            IoUtils.safeClose(connection);
        }
    }
}
