package dev.portico.examples;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import dev.portico.undertow.PorticoServer;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;

/**
 * The idle WebSocket memory benchmark (gateway-benchmarks/harness/websocket-memory.sh): {@code backend} is an
 * Undertow WebSocket echo on port 19211, {@code gateway} proxies {@code GET /ws} to it on port 19212 with the
 * default {@code WebSocket} limits. Each runs in its own JVM, so the gateway's heap holds only its own share.
 */
public final class BenchWebSockets {

    private BenchWebSockets() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 1 || !(args[0].equals("backend") || args[0].equals("gateway"))) {
            System.err.println("usage: BenchWebSockets backend|gateway");
            System.exit(2);
        }
        if (args[0].equals("backend")) {
            Undertow.builder().addHttpListener(19211, "127.0.0.1")
                    .setHandler(Handlers.websocket((exchange, channel) -> {
                        channel.getReceiveSetter().set(new AbstractReceiveListener() {
                            @Override
                            protected void onFullTextMessage(WebSocketChannel ws, BufferedTextMessage message) {
                                WebSockets.sendText(message.getData(), ws, null);
                            }
                        });
                        channel.resumeReceives();
                    }))
                    .build().start();
        } else {
            PorticoServer.start(Gateway.builder()
                    .route(Route.get("/ws").webSocket().to(Upstream.of("echo", "http://127.0.0.1:19211")))
                    .build(), "127.0.0.1", 19212);
        }
        System.out.println("ready");
        Thread.currentThread().join();
    }
}
