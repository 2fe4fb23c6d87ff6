package dev.portico.undertow;

import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;

import java.net.InetSocketAddress;

/** A real backend for tests: an Undertow server on an ephemeral loopback port. */
final class Backend implements AutoCloseable {

    private final Undertow server;

    private Backend(HttpHandler handler) {
        server = Undertow.builder()
                .addHttpListener(0, "127.0.0.1")
                .setServerOption(UndertowOptions.DECODE_URL, false)
                .setServerOption(UndertowOptions.ALWAYS_SET_KEEP_ALIVE, false)
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, -1L)
                .setHandler(handler)
                .build();
        server.start();
    }

    static Backend start(HttpHandler handler) {
        return new Backend(handler);
    }

    /** Starts a backend whose handler runs on a worker thread, where it may block (sleep, wait, read a stream). */
    static Backend startBlocking(HttpHandler handler) {
        return new Backend(exchange -> {
            if (exchange.isInIoThread()) {
                exchange.dispatch(handler);
            } else {
                handler.handleRequest(exchange);
            }
        });
    }

    int port() {
        return ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
    }

    String url() {
        return "http://127.0.0.1:" + port();
    }

    @Override
    public void close() {
        server.stop();
    }
}
