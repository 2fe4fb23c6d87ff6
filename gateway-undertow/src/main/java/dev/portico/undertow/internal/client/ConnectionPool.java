package dev.portico.undertow.internal.client;

import dev.portico.core.Gateway;
import dev.portico.core.upstream.Endpoint;
import dev.portico.undertow.internal.buffer.IoBufferPool;
import dev.portico.undertow.internal.buffer.WriteBatch;
import io.undertow.connector.ByteBufferPool;
import io.undertow.Undertow;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import org.xnio.IoFuture;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioIoThread;
import org.xnio.ssl.SslConnection;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Keep-alive connections to upstream endpoints, pooled per IO thread so that a connection is only ever used by the
 * thread that owns it and the pool needs no locks; idle ones are capped per endpoint, closed after an expiry, and
 * closed at once when the upstream closes them or sends anything while they sit idle. Connections to {@code https}
 * endpoints speak TLS, verified against the JDK's trust store or the context set by {@link #tls}.
 */
public final class ConnectionPool implements AutoCloseable {

    private static final OptionMap OPTIONS = OptionMap.builder().set(Options.TCP_NODELAY, true).getMap();
    private static final long RESOLVED_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    // each write an IO thread holds back in its batch keeps a read buffer, which its cache should take back
    private final ByteBufferPool buffers = new IoBufferPool(true, 16 * 1024, WriteBatch.MAX, 32);
    private final ConcurrentHashMap<Endpoint, Group> groups = new ConcurrentHashMap<>();
    private final Set<UpstreamConnection> open = ConcurrentHashMap.newKeySet();
    private volatile int maxIdle;
    private volatile long idleNanos;
    private volatile boolean closed;
    private volatile SSLContext tls;
    private volatile UndertowXnioSsl ssl;

    /** A pool with the idle cap and expiry of this gateway. */
    public ConnectionPool(Gateway gateway) {
        this(gateway.maxIdleConnections(), gateway.idleConnectionTimeout().toNanos());
    }

    ConnectionPool(int maxIdle, long idleNanos) {
        this.maxIdle = maxIdle;
        this.idleNanos = idleNanos;
    }

    /** Takes the pool settings of a gateway swapped in: they apply to connections released from now on. */
    public void settings(Gateway gateway) {
        this.maxIdle = gateway.maxIdleConnections();
        this.idleNanos = gateway.idleConnectionTimeout().toNanos();
    }

    /** Verifies {@code https} endpoints with this context from now on (the JDK's default until set). */
    public void tls(SSLContext context) {
        this.tls = context;
        this.ssl = null;
    }

    /** Returns the TLS layer for {@code https} endpoints, made on first use. */
    private UndertowXnioSsl ssl() throws IOException {
        UndertowXnioSsl current = ssl;
        if (current == null) {
            try {
                SSLContext context = tls != null ? tls : SSLContext.getDefault();
                current = ssl = new UndertowXnioSsl(Xnio.getInstance(Undertow.class.getClassLoader()),
                        OptionMap.create(Options.USE_DIRECT_BUFFERS, true), context);
            } catch (GeneralSecurityException e) {
                throw new IOException("no TLS context for upstreams: " + e.getMessage(), e);
            }
        }
        return current;
    }

    /**
     * Starts TLS over a new connection to an {@code https} endpoint: TLS 1.2 or 1.3, the endpoint's host name sent
     * as SNI (unless it is an address) and checked against its certificate.
     */
    private StreamConnection secure(StreamConnection socket, Endpoint endpoint) throws IOException {
        SslConnection connection = ssl().wrapExistingConnection(socket, OptionMap.EMPTY);
        SSLEngine engine = UndertowXnioSsl.getSslEngine(connection);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        parameters.setProtocols(PROTOCOLS);
        if (!isLiteral(endpoint.host())) {
            parameters.setServerNames(List.of(new SNIHostName(endpoint.host())));
        }
        engine.setSSLParameters(parameters);
        connection.startHandshake();
        return connection;
    }

    ByteBufferPool buffers() {
        return buffers;
    }

    /** Returns how many upstream connections are open, idle or in use. */
    public int openConnections() {
        return open.size();
    }

    /** The connections to one endpoint: its resolved address, the idle count, and one idle slot per IO thread. */
    private final class Group {
        final Endpoint endpoint;
        final AtomicInteger idle = new AtomicInteger();
        final Slot[] slots;
        volatile InetSocketAddress address;
        volatile long resolvedAt;

        Group(Endpoint endpoint, int threads) {
            this.endpoint = endpoint;
            this.slots = new Slot[threads];
            for (int i = 0; i < threads; i++) {
                slots[i] = new Slot(this);
            }
        }
    }

    /** The idle connections of one endpoint on one IO thread, oldest first, touched only by that thread. */
    private final class Slot implements Runnable {
        final Group group;
        final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();
        volatile XnioIoThread thread;
        boolean sweeping;

        Slot(Group group) {
            this.group = group;
        }

        /** Closes the connections idle for longer than the expiry, then looks again when the next one is due. */
        @Override
        public void run() {
            long now = System.nanoTime();
            for (UpstreamConnection c = idle.peekFirst(); c != null; c = idle.peekFirst()) {
                long due = c.idleSince + idleNanos - now;
                if (due > 0) {
                    thread.executeAfter(this, TimeUnit.NANOSECONDS.toMillis(due) + 1, TimeUnit.MILLISECONDS);
                    return;
                }
                idle.pollFirst();
                group.idle.decrementAndGet();
                c.close(false);
            }
            sweeping = false;
        }

        /** Closes every idle connection (its endpoint left its upstream). */
        void clear() {
            for (UpstreamConnection c = idle.pollFirst(); c != null; c = idle.pollFirst()) {
                group.idle.decrementAndGet();
                c.close(false);
            }
        }

        void remove(UpstreamConnection c) {
            if (idle.remove(c)) {
                group.idle.decrementAndGet();
            }
        }
    }

    private Group group(Endpoint endpoint, XnioIoThread thread) {
        Group group = groups.get(endpoint);
        if (group == null) {
            group = groups.computeIfAbsent(endpoint, e -> new Group(e, thread.getWorker().getIoThreadCount()));
        }
        return group;
    }

    /** Returns an open idle connection owned by this thread, most recently used first, or {@code null}. */
    UpstreamConnection acquire(Endpoint endpoint, XnioIoThread thread) {
        Group group = group(endpoint, thread);
        int n = thread.getNumber();
        if (n >= group.slots.length) {
            return null;
        }
        ArrayDeque<UpstreamConnection> idle = group.slots[n].idle;
        for (UpstreamConnection c = idle.pollLast(); c != null; c = idle.pollLast()) {
            group.idle.decrementAndGet();
            // reads stay resumed: the caller sets its listener at once, and readiness without one suspends them
            c.source.getReadSetter().set(null);
            if (c.isOpen()) {
                return c;
            }
        }
        return null;
    }

    /**
     * Opens a new connection owned by {@code thread} and hands it to {@code connected} on that thread, or the
     * failure to {@code failed}; the returned handle abandons the attempt.
     */
    Runnable connect(Endpoint endpoint, XnioIoThread thread, Consumer<UpstreamConnection> connected,
                     Consumer<IOException> failed) {
        if (closed) {
            failed.accept(new IOException("connection pool closed"));
            return () -> { };
        }
        Attempt attempt = new Attempt(group(endpoint, thread), thread, connected, failed);
        attempt.start();
        return attempt::cancel;
    }

    /** One connection attempt: the address (resolved off the IO thread for a host name), then the TCP connect. */
    private final class Attempt {
        final Group group;
        final XnioIoThread thread;
        final Consumer<UpstreamConnection> connected;
        final Consumer<IOException> failed;
        IoFuture<StreamConnection> future;
        boolean cancelled;

        Attempt(Group group, XnioIoThread thread, Consumer<UpstreamConnection> connected, Consumer<IOException> failed) {
            this.group = group;
            this.thread = thread;
            this.connected = connected;
            this.failed = failed;
        }

        void start() {
            InetSocketAddress address = group.address;
            if (address != null && System.nanoTime() - group.resolvedAt < RESOLVED_NANOS) {
                open(address);
                return;
            }
            String host = group.endpoint.host();
            if (isLiteral(host)) {
                resolve();
                open(group.address);
                return;
            }
            thread.getWorker().execute(() -> {
                resolve();
                thread.execute(() -> {
                    if (group.address == null) {
                        failed.accept(new UnknownHostException(host));
                    } else if (!cancelled) {
                        open(group.address);
                    }
                });
            });
        }

        private void resolve() {
            try {
                group.address = new InetSocketAddress(InetAddress.getByName(group.endpoint.host()), group.endpoint.port());
                group.resolvedAt = System.nanoTime();
            } catch (UnknownHostException e) {
                // keeps the last good address, if any
            }
        }

        private void open(InetSocketAddress address) {
            future = thread.openStreamConnection(address, tcp -> {
                StreamConnection socket = tcp;
                if (group.endpoint.scheme().equals("https")) {
                    try {
                        socket = secure(tcp, group.endpoint);
                    } catch (IOException | RuntimeException e) {
                        IoUtils.safeClose(tcp);
                        if (!cancelled) {
                            failed.accept(e instanceof IOException io ? io : new IOException(e));
                        }
                        return;
                    }
                }
                UpstreamConnection c = new UpstreamConnection(ConnectionPool.this, group.endpoint, socket);
                open.add(c);
                socket.getCloseSetter().set(s -> open.remove(c));
                if (closed || cancelled) {
                    c.close(false);
                    if (closed) {
                        failed.accept(new IOException("connection pool closed"));
                    }
                    return;
                }
                connected.accept(c);
            }, OPTIONS);
            future.addNotifier(new IoFuture.HandlingNotifier<StreamConnection, Void>() {
                @Override
                public void handleFailed(IOException exception, Void attachment) {
                    if (!cancelled) {
                        thread.execute(() -> failed.accept(exception));
                    }
                }
            }, null);
        }

        void cancel() {
            cancelled = true;
            if (future != null) {
                future.cancel();
            }
        }
    }

    private static boolean isLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c != '.' && (c < '0' || c > '9')) {
                return false;
            }
        }
        return true;
    }

    /**
     * Keeps a connection whose last exchange completed on both sides, or closes it when it is not reusable, the
     * endpoint already has its share of idle connections, or the pool is closed. Call on the connection's thread.
     */
    void release(UpstreamConnection c) {
        Group group = groups.get(c.endpoint);
        int n = c.thread().getNumber();
        if (closed || !c.reusable || !c.isOpen() || c.buffered() > 0 || group == null || n >= group.slots.length
                || !reserve(group)) {
            c.close(false);
            return;
        }
        c.releaseIfEmpty();
        Slot slot = group.slots[n];
        c.idleSince = System.nanoTime();
        slot.idle.addLast(c);
        // an idle connection has nothing to say: its close, or any byte, ends it
        c.source.getReadSetter().set(channel -> {
            slot.remove(c);
            c.close(false);
        });
        c.source.resumeReads();
        if (!slot.sweeping) {
            slot.sweeping = true;
            slot.thread = c.thread();
            slot.thread.executeAfter(slot, TimeUnit.NANOSECONDS.toMillis(idleNanos) + 1, TimeUnit.MILLISECONDS);
        }
    }

    private boolean reserve(Group group) {
        if (group.idle.incrementAndGet() > maxIdle) {
            group.idle.decrementAndGet();
            return false;
        }
        return true;
    }

    /**
     * Stops pooling connections to an instance that left its upstream: its idle connections are closed on their
     * threads, and those in use are closed when their exchange ends, instead of going back to the pool.
     */
    public void retire(Endpoint endpoint) {
        Group group = groups.remove(endpoint);
        if (group == null || closed) { // a closed pool has closed every connection already
            return;
        }
        for (Slot slot : group.slots) {
            XnioIoThread thread = slot.thread;
            if (thread != null) {
                thread.execute(slot::clear);
            }
        }
    }

    /** Closes every connection, idle or in use, and stops pooling buffers. */
    @Override
    public void close() {
        closed = true;
        for (UpstreamConnection c : open) {
            c.shutdown();
        }
        buffers.close();
    }
}
