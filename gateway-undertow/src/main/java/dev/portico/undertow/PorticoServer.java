package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.observe.Admin;
import dev.portico.core.spi.UpstreamClient;
import dev.portico.undertow.internal.buffer.IoBufferPool;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.protocol.http.HttpOpenListener;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * A running Undertow listener that serves one {@link Gateway}; {@link #close()} stops it gracefully.
 *
 * <pre>{@code
 * try (PorticoServer server = PorticoServer.start(gateway, "127.0.0.1", 0)) {
 *     System.out.println("listening on " + server.port());
 * }
 * }</pre>
 */
public final class PorticoServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PorticoServer.class.getName());

    private final XnioWorker worker;
    private final AcceptingChannel<StreamConnection> acceptor;
    private final IoBufferPool buffers = new IoBufferPool(true, 16 * 1024 - 20, 16, 32);
    private final HttpOpenListener connections;
    private final PorticoHandler handler;
    private final InetSocketAddress address;
    private final Duration drainTimeout;
    private final Duration shutdownDelay;
    private volatile boolean ready = true;
    private boolean stopped;
    private final PorticoServer admin;

    private PorticoServer(Builder b) {
        Gateway gateway = b.gateway;
        this.handler = PorticoHandler.of(gateway);
        this.drainTimeout = b.drainTimeout;
        this.shutdownDelay = b.shutdownDelay;
        int ioThreads = b.ioThreads > 0 ? b.ioThreads : Runtime.getRuntime().availableProcessors();
        OptionMap serverOptions = OptionMap.builder()
                // Undertow's own parser limits: far beyond the gateway's, which answers 431 below them
                .set(UndertowOptions.MAX_HEADER_SIZE, Math.max(2 * gateway.maxHeaderSize(), gateway.maxHeaderSize() + 16 * 1024))
                .set(UndertowOptions.MAX_HEADERS, Math.max(2 * gateway.maxHeaderCount(), gateway.maxHeaderCount() + 1000))
                // no parser body limit: Undertow fixes a chunked body's limit (2 MiB by default, framing counted) before
                // any handler runs, so the route's could not apply; LimitedSourceConduit counts payload bytes instead
                .set(UndertowOptions.MAX_ENTITY_SIZE, -1L)
                .set(UndertowOptions.DECODE_URL, false)
                .set(UndertowOptions.ALWAYS_SET_KEEP_ALIVE, false)
                .set(UndertowOptions.NO_REQUEST_TIMEOUT, (int) gateway.idleTimeout().toMillis())
                // no IDLE_TIMEOUT: on HTTP/1 it only wraps the connection's source in an IdleTimeoutConduit that is
                // never given the timeout, and would hide the VersionGuard beneath it (IdleBodyConduit is the body's)
                .set(UndertowOptions.REQUEST_PARSE_TIMEOUT, (int) gateway.requestHeaderTimeout().toMillis())
                .getMap();
        XnioWorker started = null;
        try {
            started = Xnio.getInstance(Undertow.class.getClassLoader()).createWorker(OptionMap.builder()
                    .set(Options.WORKER_IO_THREADS, ioThreads)
                    .set(Options.WORKER_TASK_CORE_THREADS, 2)
                    .set(Options.WORKER_TASK_MAX_THREADS, Math.max(4, ioThreads * 2))
                    .set(Options.CONNECTION_HIGH_WATER, 1_000_000)
                    .set(Options.CONNECTION_LOW_WATER, 1_000_000)
                    .set(Options.TCP_NODELAY, true)
                    .set(Options.CORK, true)
                    .getMap());
            this.worker = started;
            handler.worker(started);
            this.connections = new HttpOpenListener(buffers, serverOptions);
            connections.setRootHandler(handler);
            this.acceptor = worker.createStreamConnectionServer(new InetSocketAddress(InetAddress.getByName(b.host), b.port),
                    new Acceptor(connections, gateway.maxConcurrentRequests()), OptionMap.builder()
                            .set(Options.TCP_NODELAY, true)
                            .set(Options.REUSE_ADDRESSES, true)
                            .set(Options.BALANCING_TOKENS, 1)
                            .set(Options.BALANCING_CONNECTIONS, 2)
                            .set(Options.BACKLOG, 1000)
                            .getMap());
        } catch (IOException e) {
            if (started != null) {
                started.shutdownNow(); // its threads would keep the JVM alive
            }
            throw new UncheckedIOException("cannot listen on " + b.host + ':' + b.port, e);
        }
        acceptor.resumeAccepts();
        this.address = acceptor.getLocalAddress(InetSocketAddress.class);
        if (b.admin != null) {
            b.admin.bind(handler::gateway, this::ready);
        }
        PorticoServer adminServer = null;
        if (b.admin != null && b.adminPort >= 0) {
            try {
                adminServer = builder(b.admin.gateway()).host(b.adminHost != null ? b.adminHost : b.host)
                        .port(b.adminPort).ioThreads(1).drainTimeout(Duration.ZERO).start();
            } catch (RuntimeException e) {
                stopNow();
                throw e;
            }
        }
        this.admin = adminServer;
        LOG.log(System.Logger.Level.INFO, "Portico listening on {0}", address);
    }

    /** Closes what the constructor opened, when it cannot finish. */
    private void stopNow() {
        IoUtils.safeClose(acceptor);
        handler.close();
        worker.shutdownNow();
        buffers.close();
    }

    /** Starts serving a gateway on this host and port; port 0 picks a free one (see {@link #port()}). */
    public static PorticoServer start(Gateway gateway, String host, int port) {
        return builder(gateway).host(host).port(port).start();
    }

    /** Returns a builder for a server of this gateway. */
    public static Builder builder(Gateway gateway) {
        return new Builder(gateway);
    }

    /** Returns the port the listener is bound to. */
    public int port() {
        return address.getPort();
    }

    /** Returns the port of the admin listener, or -1 when the server has none. */
    public int adminPort() {
        return admin == null ? -1 : admin.port();
    }

    /** Returns the address the listener is bound to. */
    public InetSocketAddress address() {
        return address;
    }

    /**
     * Serves {@code next} to new requests from now on, while requests in flight finish on the gateway they started
     * on; the returned stage completes once the previous gateway has drained and been closed. The listener's own
     * settings (parser limits, connection timeouts) stay those the server started with.
     */
    public CompletionStage<Void> swap(Gateway next) {
        return handler.swap(next);
    }

    /** Returns the gateway served to new requests. */
    public Gateway gateway() {
        return handler.gateway();
    }

    /** Returns how many requests are being handled now. */
    public int inFlight() {
        return handler.inFlight();
    }

    /**
     * Returns the transport to upstreams for calls made outside any client request (a health check, a key refresh),
     * from any thread; it shares the server's IO threads and connection pools.
     */
    public UpstreamClient upstreamClient() {
        return handler.upstreamClient();
    }

    /** Returns how many upstream connections are open, idle or in use. */
    int upstreamConnections() {
        return handler.upstreamConnections();
    }

    /**
     * Returns whether the server wants new traffic: true from its start until a stop begins, which a readiness probe
     * or a load balancer's health check should read, so that traffic moves away before the listener closes.
     */
    public boolean ready() {
        return ready;
    }

    /**
     * Stops gracefully: reports not {@link #ready()} at once and keeps serving for the builder's shutdown delay (so
     * that load balancers notice and move traffic away), then closes the listening socket, answers new requests on
     * open connections with 503, lets in-flight requests finish for up to {@code drainTimeout}, and closes
     * everything, the gateway served included (its resources), and the admin listener last. Returns whether every
     * in-flight request finished in time.
     */
    public synchronized boolean stop(Duration drainTimeout) {
        if (stopped) {
            return true;
        }
        stopped = true;
        ready = false;
        if (!shutdownDelay.isZero()) {
            try {
                Thread.sleep(shutdownDelay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        IoUtils.safeClose(acceptor); // stop accepting; open connections live on
        handler.drain();
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        boolean drained;
        while (!(drained = handler.inFlight() == 0) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int cutOff = handler.inFlight();
        handler.closeWebSockets();
        connections.closeConnections();
        handler.close();
        worker.shutdownNow();
        buffers.close();
        if (admin != null) {
            admin.stop(Duration.ZERO); // last: it answered readiness 503 until now
        }
        LOG.log(System.Logger.Level.INFO, "Portico on {0} stopped ({1})", address,
                drained ? "drained" : cutOff + " requests cut off");
        return drained;
    }

    /** Stops gracefully with the builder's drain timeout (default 30 s). */
    @Override
    public void close() {
        stop(drainTimeout);
    }

    /** A builder of {@link PorticoServer}. */
    public static final class Builder {

        private final Gateway gateway;
        private String host = "127.0.0.1";
        private int port = 8080;
        private int ioThreads;
        private Duration drainTimeout = Duration.ofSeconds(30);
        private Duration shutdownDelay = Duration.ZERO;
        private Admin admin;
        private int adminPort = -1;
        private String adminHost;

        private Builder(Gateway gateway) {
            this.gateway = Objects.requireNonNull(gateway, "gateway");
        }

        /** Sets the address to bind (default {@code 127.0.0.1}; {@code 0.0.0.0} for every interface). */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Sets the port (default 8080; 0 picks a free one). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 0-65535)");
            }
            this.port = port;
            return this;
        }

        /**
         * Sets the number of IO threads (default: one per CPU the JVM may use). Nothing on Portico's path blocks an
         * IO thread, so more threads than CPUs only add context switches and split the upstream connection pools.
         */
        public Builder ioThreads(int ioThreads) {
            if (ioThreads < 1) {
                throw new IllegalArgumentException("ioThreads: " + ioThreads + " (expected: > 0)");
            }
            this.ioThreads = ioThreads;
            return this;
        }

        /** Sets how long {@link #close()} lets in-flight requests finish (default 30 s). */
        public Builder drainTimeout(Duration drainTimeout) {
            Objects.requireNonNull(drainTimeout, "drainTimeout");
            if (drainTimeout.isNegative()) {
                throw new IllegalArgumentException("drainTimeout: " + drainTimeout + " (expected: >= 0)");
            }
            this.drainTimeout = drainTimeout;
            return this;
        }

        /**
         * Sets how long a stop keeps serving as usual after {@link #ready()} turns false, before the listener closes
         * and draining starts (default 0): set it a little above the interval at which the load balancer or the
         * orchestrator in front polls readiness, so no new connection arrives at a closed port.
         */
        public Builder shutdownDelay(Duration shutdownDelay) {
            Objects.requireNonNull(shutdownDelay, "shutdownDelay");
            if (shutdownDelay.isNegative()) {
                throw new IllegalArgumentException("shutdownDelay: " + shutdownDelay + " (expected: >= 0)");
            }
            this.shutdownDelay = shutdownDelay;
            return this;
        }

        /**
         * Binds this admin to the server (its readiness turns 503 from the start of a stop; its listings show the
         * gateway served), for admin routes mounted in the served gateway itself: {@code admin.routes()}.
         */
        public Builder admin(Admin admin) {
            this.admin = Objects.requireNonNull(admin, "admin");
            this.adminPort = -1;
            return this;
        }

        /**
         * Serves this admin on a listener of its own, off the public port, on the server's host and this port (0
         * picks a free one, see {@link PorticoServer#adminPort()}), bound to the server as by {@link #admin(Admin)}.
         * It answers until the end of a stop, so readiness reads 503 throughout the shutdown delay and the drain.
         */
        public Builder admin(Admin admin, int port) {
            this.admin = Objects.requireNonNull(admin, "admin");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("admin port: " + port + " (expected: 0-65535)");
            }
            this.adminPort = port;
            return this;
        }

        /** Sets the address the admin listener binds (default: the server's host). */
        public Builder adminHost(String host) {
            this.adminHost = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Starts the server. */
        public PorticoServer start() {
            return new PorticoServer(this);
        }
    }
}
