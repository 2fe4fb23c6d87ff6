package dev.portico.undertow;

import dev.portico.core.Gateway;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

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

    private final Undertow undertow;
    private final PorticoHandler handler;
    private final InetSocketAddress address;
    private final Duration drainTimeout;
    private boolean stopped;

    private PorticoServer(Builder b) {
        this.handler = PorticoHandler.of(b.gateway);
        this.drainTimeout = b.drainTimeout;
        Gateway gateway = b.gateway;
        Undertow.Builder undertow = Undertow.builder()
                .addHttpListener(b.port, b.host)
                .setHandler(handler)
                // Undertow's own parser limit: far beyond the gateway's, which answers 431 below it
                .setServerOption(UndertowOptions.MAX_HEADER_SIZE, Math.max(2 * gateway.maxHeaderSize(), gateway.maxHeaderSize() + 16 * 1024))
                .setServerOption(UndertowOptions.DECODE_URL, false)
                .setServerOption(UndertowOptions.ALWAYS_SET_KEEP_ALIVE, false)
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, (int) gateway.idleTimeout().toMillis())
                .setServerOption(UndertowOptions.IDLE_TIMEOUT, (int) gateway.idleTimeout().toMillis())
                .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, (int) gateway.requestHeaderTimeout().toMillis());
        if (b.ioThreads > 0) {
            undertow.setIoThreads(b.ioThreads);
        }
        this.undertow = undertow.build();
        this.undertow.start();
        this.address = (InetSocketAddress) this.undertow.getListenerInfo().get(0).getAddress();
        LOG.log(System.Logger.Level.INFO, "Portico listening on {0}", address);
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

    /** Returns the address the listener is bound to. */
    public InetSocketAddress address() {
        return address;
    }

    /**
     * Stops gracefully: stops accepting connections, answers new requests on open connections with 503, lets
     * in-flight requests finish for up to {@code drainTimeout}, then closes everything. Returns whether every
     * in-flight request finished in time.
     */
    public synchronized boolean stop(Duration drainTimeout) {
        if (stopped) {
            return true;
        }
        stopped = true;
        for (Undertow.ListenerInfo listener : undertow.getListenerInfo()) {
            listener.suspend();
        }
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
        handler.close();
        undertow.stop();
        LOG.log(System.Logger.Level.INFO, "Portico on {0} stopped ({1})", address,
                drained ? "drained" : handler.inFlight() + " requests cut off");
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

        /** Sets the number of IO threads (default: Undertow's, one per CPU, at least two). */
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

        /** Starts the server. */
        public PorticoServer start() {
            return new PorticoServer(this);
        }
    }
}
