package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.observe.Admin;
import dev.portico.core.spi.UpstreamClient;
import dev.portico.undertow.internal.buffer.IoBufferPool;
import dev.portico.undertow.tls.ServerTls;
import dev.portico.undertow.tls.UpstreamTls;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import io.undertow.server.protocol.http.AlpnOpenListener;
import io.undertow.server.protocol.http.HttpOpenListener;
import io.undertow.server.protocol.http2.Http2OpenListener;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.SslClientAuthMode;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;
import org.xnio.ssl.SslConnection;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * Running Undertow listeners, cleartext and, when asked, TLS ({@link Builder#https}), that serve one {@link Gateway}
 * over HTTP/1.1 and HTTP/2; {@link #close()} stops them gracefully.
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
    private final AcceptingChannel<? extends StreamConnection> acceptor;
    private final AcceptingChannel<SslConnection> tlsAcceptor;
    private final UndertowXnioSsl ssl;
    private final ServerTls tls;
    private final IoBufferPool buffers = new IoBufferPool(true, 16 * 1024 - 20, 16, 32);
    private final HttpOpenListener connections;
    private final HttpOpenListener tlsConnections;
    private final HttpOpenListener redirects;
    private final Http2OpenListener http2Connections;
    private final Http2Connections http2;
    private final PorticoHandler handler;
    private final InetSocketAddress address;
    private final InetSocketAddress httpsAddress;
    private final Duration drainTimeout;
    private final Duration shutdownDelay;
    private volatile boolean ready = true;
    private boolean stopped;
    private final PorticoServer admin;

    private PorticoServer(Builder b) {
        if (b.cleartext != Cleartext.SERVE && b.tls == null) {
            throw new IllegalStateException("cleartext: " + b.cleartext + " (expected: SERVE without an https listener)");
        }
        Gateway gateway = b.gateway;
        this.handler = PorticoHandler.of(gateway);
        if (b.upstreamTls != null) {
            handler.upstreamTls(b.upstreamTls.context());
        }
        this.drainTimeout = b.drainTimeout;
        this.shutdownDelay = b.shutdownDelay;
        this.tls = b.tls;
        this.http2 = new Http2Connections(b.maxConcurrentStreams);
        int ioThreads = b.ioThreads > 0 ? b.ioThreads : Runtime.getRuntime().availableProcessors();
        int maxHeaderSize = Math.max(2 * gateway.maxHeaderSize(), gateway.maxHeaderSize() + 16 * 1024);
        OptionMap serverOptions = OptionMap.builder()
                // Undertow's own parser limits: far beyond the gateway's, which answers 431 below them
                .set(UndertowOptions.MAX_HEADER_SIZE, maxHeaderSize)
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
                // HTTP/2: h2c by prior knowledge on the cleartext listener (and by Upgrade, see ListenerHandler); the
                // decoded header list is bounded as an HTTP/1 head is, so an HPACK bomb stops at the same size
                .set(UndertowOptions.ENABLE_HTTP2, b.http2)
                .set(UndertowOptions.HTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, b.maxConcurrentStreams)
                .set(UndertowOptions.HTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, maxHeaderSize)
                .set(UndertowOptions.HTTP2_SETTINGS_ENABLE_PUSH, false)
                .getMap();
        XnioWorker started = null;
        AcceptingChannel<? extends StreamConnection> plain = null;
        AcceptingChannel<SslConnection> secure = null;
        try {
            Xnio xnio = Xnio.getInstance(Undertow.class.getClassLoader());
            started = xnio.createWorker(OptionMap.builder()
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
            connections.setRootHandler(new ListenerHandler(false, b.http2, http2, handler));
            OptionMap socketOptions = OptionMap.builder()
                    .set(Options.TCP_NODELAY, true)
                    .set(Options.REUSE_ADDRESSES, true)
                    .set(Options.BALANCING_TOKENS, 1)
                    .set(Options.BALANCING_CONNECTIONS, 2)
                    .set(Options.BACKLOG, 1000)
                    .getMap();
            InetAddress host = InetAddress.getByName(b.host);
            if (tls != null) {
                // TLS connections: HTTP/1.1 to a listener of their own (whose root says https), h2 by ALPN to another
                ListenerHandler secureRoot = new ListenerHandler(true, false, http2, handler);
                HttpOpenListener tlsHttp1 = new HttpOpenListener(buffers, serverOptions);
                tlsHttp1.setRootHandler(secureRoot);
                ChannelListener<StreamConnection> handshaken = tlsHttp1;
                if (b.http2) {
                    this.http2Connections = new Http2OpenListener(buffers, serverOptions);
                    http2Connections.setRootHandler(secureRoot);
                    handshaken = new AlpnOpenListener(buffers, serverOptions, tlsHttp1)
                            .addProtocol(Http2OpenListener.HTTP2, http2Connections, 10);
                } else {
                    this.http2Connections = null;
                }
                // Undertow's own buffer pool: a TLS record needs 17 KiB
                this.ssl = new UndertowXnioSsl(xnio, OptionMap.create(Options.USE_DIRECT_BUFFERS, true), tls.context());
                secure = ssl.createSslConnectionServer(worker, new InetSocketAddress(host, b.httpsPort),
                        new Acceptor(closingUnused(handshaken, b.http2, gateway), false,
                                gateway.maxConcurrentRequests(), gateway.requestHeaderTimeout()), OptionMap.builder()
                                .addAll(socketOptions)
                                .set(Options.SSL_PROTOCOL, "TLS")
                                .setSequence(Options.SSL_ENABLED_PROTOCOLS, tls.protocols().toArray(new String[0]))
                                .setSequence(Options.SSL_ENABLED_CIPHER_SUITES, tls.cipherSuites().toArray(new String[0]))
                                .set(Options.SSL_CLIENT_AUTH_MODE, SslClientAuthMode.NOT_REQUESTED)
                                .getMap());
                this.tlsConnections = tlsHttp1;
            } else {
                this.http2Connections = null;
                this.ssl = null;
                this.tlsConnections = null;
            }
            this.tlsAcceptor = secure;
            if (b.cleartext == Cleartext.REDIRECT) {
                this.redirects = new HttpOpenListener(buffers, serverOptions);
                // ListenerHandler: its HTTP/2 streams are counted as the served listeners' are
                redirects.setRootHandler(new ListenerHandler(false, false, http2,
                        new HttpsRedirect(secure.getLocalAddress(InetSocketAddress.class).getPort())));
            } else {
                this.redirects = null;
            }
            if (b.cleartext != Cleartext.NONE) {
                plain = worker.createStreamConnectionServer(new InetSocketAddress(host, b.port),
                        new Acceptor(closingUnused(redirects != null ? redirects : connections, b.http2, gateway),
                                true, gateway.maxConcurrentRequests(), gateway.requestHeaderTimeout()), socketOptions);
            }
            this.acceptor = plain;
        } catch (IOException | RuntimeException e) {
            IoUtils.safeClose(plain, secure);
            if (started != null) {
                started.shutdownNow(); // its threads would keep the JVM alive
            }
            handler.close();
            throw e instanceof IOException io ? new UncheckedIOException("cannot listen on " + b.host + ':' + b.port
                    + (tls == null ? "" : " and " + b.httpsPort), io) : (RuntimeException) e;
        }
        this.address = acceptor == null ? null : acceptor.getLocalAddress(InetSocketAddress.class);
        this.httpsAddress = tlsAcceptor == null ? null : tlsAcceptor.getLocalAddress(InetSocketAddress.class);
        if (acceptor != null) {
            acceptor.resumeAccepts();
        }
        if (tlsAcceptor != null) {
            tlsAcceptor.resumeAccepts();
        }
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
        if (address != null) {
            LOG.log(System.Logger.Level.INFO, "Portico listening on {0}{1}", address,
                    redirects != null ? " (redirecting to HTTPS)" : "");
        }
        if (httpsAddress != null) {
            LOG.log(System.Logger.Level.INFO, "Portico listening with TLS on {0}", httpsAddress);
        }
    }

    /**
     * Returns the listener that closes a connection that became HTTP/2 and opened no stream within the gateway's idle
     * timeout (Undertow arms that timeout on HTTP/2 only after a stream), or {@code connections} without HTTP/2.
     */
    private ChannelListener<StreamConnection> closingUnused(ChannelListener<StreamConnection> connections,
                                                            boolean http2, Gateway gateway) {
        return http2 ? this.http2.closingUnused(connections, gateway.idleTimeout()) : connections;
    }

    /** Closes what the constructor opened, when it cannot finish. */
    private void stopNow() {
        IoUtils.safeClose(acceptor, tlsAcceptor);
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

    /** Returns the port of the cleartext listener, or -1 when the server has none ({@link Cleartext#NONE}). */
    public int port() {
        return address == null ? -1 : address.getPort();
    }

    /** Returns the port of the HTTPS listener, or -1 when the server has none. */
    public int httpsPort() {
        return httpsAddress == null ? -1 : httpsAddress.getPort();
    }

    /** Returns the port of the admin listener, or -1 when the server has none. */
    public int adminPort() {
        return admin == null ? -1 : admin.port();
    }

    /** Returns the address the cleartext listener is bound to, or {@code null} when the server has none. */
    public InetSocketAddress address() {
        return address;
    }

    /** Returns the address the HTTPS listener is bound to, or {@code null} when the server has none. */
    public InetSocketAddress httpsAddress() {
        return httpsAddress;
    }

    /**
     * Reads the HTTPS listener's certificate and key files again and serves them to new connections from now on;
     * open connections keep the certificate they were set up with. Fails with an {@link IllegalArgumentException}
     * naming the file when one is missing or wrong, and then keeps serving the previous certificate. Call it when the
     * files change (a renewal, a file watcher, a signal).
     */
    public void reloadTls() {
        if (ssl == null) {
            throw new IllegalStateException("the server has no https listener");
        }
        ssl.updateSSLContext(tls.context());
        LOG.log(System.Logger.Level.INFO, "Portico on {0} reloaded its certificate", httpsAddress);
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
     * that load balancers notice and move traffic away), then closes the listening sockets, answers new requests on
     * open connections with 503 (an HTTP/2 connection gets a GOAWAY once its streams have finished), lets in-flight
     * requests finish for up to {@code drainTimeout}, and closes
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
        IoUtils.safeClose(acceptor, tlsAcceptor); // stop accepting; open connections live on
        http2.goAway();
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
        for (var listener : new io.undertow.server.OpenListener[] {tlsConnections, http2Connections, redirects}) {
            if (listener != null) {
                listener.closeConnections();
            }
        }
        http2.close();
        handler.close();
        worker.shutdownNow();
        buffers.close();
        if (admin != null) {
            admin.stop(Duration.ZERO); // last: it answered readiness 503 until now
        }
        LOG.log(System.Logger.Level.INFO, "Portico on {0} stopped ({1})", address != null ? address : httpsAddress,
                drained ? "drained" : cutOff + " requests cut off");
        return drained;
    }

    /** Stops gracefully with the builder's drain timeout (default 30 s). */
    @Override
    public void close() {
        stop(drainTimeout);
    }

    /** What the cleartext listener does when the server also has an HTTPS one. */
    public enum Cleartext {
        /** Serves the gateway, as the HTTPS listener does. */
        SERVE,
        /** Answers every request with a {@code 308} redirect to the same target on the HTTPS listener. */
        REDIRECT,
        /** Does not listen: the server speaks HTTPS only. */
        NONE
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
        private ServerTls tls;
        private int httpsPort;
        private Cleartext cleartext = Cleartext.SERVE;
        private boolean http2 = true;
        private int maxConcurrentStreams = 100;
        private UpstreamTls upstreamTls;

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

        /**
         * Listens with TLS on this port too (0 picks a free one, see {@link PorticoServer#httpsPort()}), on the same
         * host, serving the same gateway with the certificate of {@code tls}; HTTP/2 is offered by ALPN unless
         * {@link #http2(boolean)} turns it off. Requests over it have the scheme {@code https}, which the forwarding
         * headers report to upstreams.
         */
        public Builder https(int port, ServerTls tls) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("https port: " + port + " (expected: 0-65535)");
            }
            this.tls = Objects.requireNonNull(tls, "tls");
            this.httpsPort = port;
            return this;
        }

        /**
         * Sets what the cleartext listener does when there is an HTTPS one: serve (default), redirect to HTTPS, or
         * not listen at all.
         */
        public Builder cleartext(Cleartext cleartext) {
            this.cleartext = Objects.requireNonNull(cleartext, "cleartext");
            return this;
        }

        /**
         * Sets whether HTTP/2 is served (default true): by ALPN on the HTTPS listener, and as h2c on the cleartext
         * one, both by prior knowledge and by an {@code Upgrade: h2c} of a bodiless request. HTTP/1.1 is served on
         * the same ports either way.
         */
        public Builder http2(boolean http2) {
            this.http2 = http2;
            return this;
        }

        /**
         * Sets how many streams a client may have open at once on one HTTP/2 connection (default 100, as most
         * servers), announced in the connection's settings; a stream over it is refused.
         */
        public Builder maxConcurrentStreams(int maxConcurrentStreams) {
            if (maxConcurrentStreams < 1) {
                throw new IllegalArgumentException("maxConcurrentStreams: " + maxConcurrentStreams + " (expected: > 0)");
            }
            this.maxConcurrentStreams = maxConcurrentStreams;
            return this;
        }

        /**
         * Sets how {@code https} upstreams are verified and which client certificate they get (default: the JDK's
         * trust store, no client certificate).
         */
        public Builder upstreamTls(UpstreamTls upstreamTls) {
            this.upstreamTls = Objects.requireNonNull(upstreamTls, "upstreamTls");
            return this;
        }

        /** Starts the server. */
        public PorticoServer start() {
            return new PorticoServer(this);
        }
    }
}
