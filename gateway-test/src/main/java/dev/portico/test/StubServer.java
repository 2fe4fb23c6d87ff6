package dev.portico.test;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.portico.core.Body;
import dev.portico.core.Headers;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.TimeSource;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A real HTTP/1.1 server on a loopback port that plays one upstream's stub for a started tester: it records each
 * request as received over the wire and answers with the stub; a stub's transport failure closes the connection
 * unanswered, and one that never answers holds the exchange until the server stops.
 */
final class StubServer implements AutoCloseable {

    private final String upstream;
    private final Stub stub;
    private final Recorder recorder;
    private final HttpServer server;
    private final ExecutorService threads;

    StubServer(String upstream, Stub stub, Recorder recorder) {
        this.upstream = upstream;
        this.stub = stub;
        this.recorder = recorder;
        this.threads = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "portico-stub-" + upstream);
            thread.setDaemon(true);
            return thread;
        });
        try {
            this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new IllegalStateException("could not start the stub server of upstream " + upstream, e);
        }
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Returns the server's base URL. */
    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Headers.Builder headers = Headers.builder();
            for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
                header.getValue().forEach(value -> headers.add(header.getKey(), value));
            }
            URI uri = exchange.getRequestURI();
            Request request = Request.builder(exchange.getRequestMethod(), uri.getRawPath()).rawQuery(uri.getRawQuery())
                    .headers(headers.build()).body(Body.of(exchange.getRequestBody().readAllBytes())).build();
            if (stub == null) {
                recorder.missing(upstream, request);
                throw new IOException("no stub"); // the server closes the connection unanswered
            }
            recorder.received(upstream, request);
            Response response;
            try {
                response = Stubs.reply(stub, request, TimeSource.system()).toCompletableFuture().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof Fault)) {
                    recorder.stubFailed(upstream, e.getCause());
                }
                throw new IOException("the stub failed"); // the server closes the connection unanswered
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("stopped");
            }
            byte[] body = response.body().bytes(Long.MAX_VALUE).toCompletableFuture().join();
            response.headers().forEach((name, value) -> {
                if (!name.equalsIgnoreCase("Content-Length") && !name.equalsIgnoreCase("Transfer-Encoding")) {
                    exchange.getResponseHeaders().add(name, value);
                }
            });
            exchange.sendResponseHeaders(response.status(), body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
