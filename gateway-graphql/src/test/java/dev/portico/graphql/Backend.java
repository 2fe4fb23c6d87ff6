package dev.portico.graphql;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A real backend for tests: the JDK's HTTP server on an ephemeral loopback port, each request on its own thread
 * (so that a handler may wait), recording every request it receives.
 */
final class Backend implements AutoCloseable {

    /** A request as the backend received it. */
    record Received(String method, String target, Map<String, List<String>> headers) {

        String header(String name) {
            for (Map.Entry<String, List<String>> entry : headers.entrySet()) {
                if (entry.getKey().equalsIgnoreCase(name)) {
                    return String.join(",", entry.getValue());
                }
            }
            return null;
        }

        String path() {
            int q = target.indexOf('?');
            return q < 0 ? target : target.substring(0, q);
        }
    }

    /** A backend's answer. */
    record Answer(int status, String json) {

        static Answer ok(String json) {
            return new Answer(200, json);
        }
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();

    private Backend(Function<Received, Answer> handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(threads);
        server.createContext("/", exchange -> answer(exchange, handler));
        server.start();
    }

    static Backend start(Function<Received, Answer> handler) throws IOException {
        return new Backend(handler);
    }

    private void answer(HttpExchange exchange, Function<Received, Answer> handler) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            Received request = new Received(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath()
                    + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery()),
                    Map.copyOf(exchange.getRequestHeaders()));
            received.add(request);
            Answer answer = handler.apply(request);
            byte[] body = answer.json().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Returns the requests received, in arrival order. */
    List<Received> received() {
        return List.copyOf(received);
    }

    /** Returns how many requests had this path. */
    long count(String path) {
        return received.stream().filter(r -> r.path().equals(path)).count();
    }

    /** Returns how many requests had a path starting with this prefix. */
    long countPrefix(String prefix) {
        return received.stream().filter(r -> r.path().startsWith(prefix)).count();
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
