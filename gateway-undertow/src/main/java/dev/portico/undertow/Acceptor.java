package dev.portico.undertow;

import io.undertow.protocols.ssl.UndertowXnioSsl;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.channels.AcceptingChannel;
import org.xnio.conduits.ConduitStreamSourceChannel;
import org.xnio.conduits.ReadReadyHandler;
import org.xnio.ssl.SslConnection;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Accepts client connections for a {@link PorticoServer}, and warns, at most once a minute, when the process nears
 * its file descriptor limit, where accepts start to fail. XNIO accepts on its own (a queued server) and never calls
 * this listener for an accept that failed: it logs that itself ({@code XNIO008001}, once per back-off of 250 ms up
 * to 30 s) while new clients wait. So the count is checked as connections arrive, at most once a second, on a worker
 * thread (reading it lists {@code /proc/self/fd}), and the warning comes before the failures. A TLS connection whose
 * handshake has not completed within the handshake timeout is closed.
 */
final class Acceptor implements ChannelListener<AcceptingChannel<? extends StreamConnection>> {

    private static final System.Logger LOG = System.getLogger(PorticoServer.class.getName());
    private static final long CHECK_INTERVAL = TimeUnit.SECONDS.toNanos(1);
    private static final long WARNING_INTERVAL = TimeUnit.MINUTES.toNanos(1);

    private final ChannelListener<StreamConnection> connections;
    private final boolean lazy;
    private final long handshakeMillis;
    private final int maxConcurrentRequests;
    private final com.sun.management.UnixOperatingSystemMXBean files;
    private final AtomicLong lastCheck = new AtomicLong(System.nanoTime() - CHECK_INTERVAL);
    private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARNING_INTERVAL);

    /**
     * An acceptor handing connections to {@code connections}; {@code lazy} suspends reads lazily on the socket, which
     * only a cleartext connection reads directly (a TLS one reads through its engine).
     */
    Acceptor(ChannelListener<StreamConnection> connections, boolean lazy, int maxConcurrentRequests,
             Duration handshakeTimeout) {
        this.connections = connections;
        this.lazy = lazy;
        this.handshakeMillis = handshakeTimeout.toMillis();
        this.maxConcurrentRequests = maxConcurrentRequests;
        this.files = unixFiles();
    }

    private static com.sun.management.UnixOperatingSystemMXBean unixFiles() {
        try {
            return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix
                    ? unix : null;
        } catch (LinkageError | RuntimeException noManagement) {
            return null; // a runtime image without java.management or jdk.management: no warning
        }
    }

    @Override
    public void handleEvent(AcceptingChannel<? extends StreamConnection> channel) {
        StreamConnection accepted;
        try {
            accepted = channel.accept();
        } catch (IOException e) {
            if (channel.isOpen()) { // else the server is stopping
                warn("Portico failed to accept a connection ({0})", e.getMessage());
            }
            return;
        }
        if (accepted == null) {
            return; // another IO thread took it
        }
        // under Undertow's parser, which reads versions it does not know as HTTP/1.1; the handler finds it as the
        // connection's original source (PorticoServer sets no option that would wrap it first); beneath it, right on
        // the socket, the lazy suspension of reads (on a TLS connection, the engine's decrypted bytes)
        ConduitStreamSourceChannel source = accepted.getSourceChannel();
        source.setConduit(new VersionGuard(lazy ? new LazySuspendConduit(source.getConduit()) : source.getConduit()));
        // setConduit keeps the socket's readiness handler as it was: set it anew, through the lazy conduit
        source.getConduit().setReadReadyHandler(new ReadReadyHandler.ChannelListenerHandler<>(source));
        if (accepted instanceof SslConnection tls) {
            // a client that connects and never finishes its handshake would hold the connection forever: Undertow's
            // request timeouts start only once the handshake is done
            accepted.getIoThread().executeAfter(() -> {
                if (tls.isOpen() && !handshaken(tls)) {
                    IoUtils.safeClose(tls);
                }
            }, handshakeMillis, TimeUnit.MILLISECONDS);
        }
        connections.handleEvent(accepted);
        if (files != null && due(lastCheck, CHECK_INTERVAL)) {
            try {
                channel.getWorker().execute(this::checkFiles);
            } catch (RejectedExecutionException stopping) {
                // the worker is shutting down: nothing to warn about
            }
        }
    }

    /** Returns whether a TLS connection's handshake has completed: its session has a cipher suite. */
    private static boolean handshaken(SslConnection tls) {
        return !"SSL_NULL_WITH_NULL_NULL".equals(UndertowXnioSsl.getSslEngine(tls).getSession().getCipherSuite());
    }

    private void checkFiles() {
        long max = files.getMaxFileDescriptorCount();
        long open;
        try {
            open = files.getOpenFileDescriptorCount();
        } catch (InternalError exhausted) {
            open = max; // the JDK could not open /proc/self/fd: no descriptor was left
        }
        if (max > 0 && open >= max - max / 10) {
            warn("Portico has {0} of {1} file descriptors open; at the limit, new connections wait unaccepted. Each "
                    + "request in flight holds two (its client and upstream connections): lower maxConcurrentRequests "
                    + "({2}) or raise the limit (ulimit -n)", open, max, maxConcurrentRequests);
        }
    }

    private void warn(String message, Object... params) {
        if (due(lastWarning, WARNING_INTERVAL)) {
            LOG.log(System.Logger.Level.WARNING, message, params);
        }
    }

    /** Returns whether {@code interval} has passed since {@code last}, and if so makes now the last time. */
    private static boolean due(AtomicLong last, long interval) {
        long now = System.nanoTime();
        long then = last.get();
        return now - then >= interval && last.compareAndSet(then, now);
    }
}
