package dev.portico.undertow;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real backend for aggregation tests: answers each path with the status, JSON and delay a test sets, in chunks or
 * with a length, and records what reached it.
 */
final class AggregationBackend implements AutoCloseable {

    /** An answer: status, body, how long to wait before it, and whether it is chunked. */
    record Answer(int status, String body, Duration delay, boolean chunked) {
        static Answer json(String body) {
            return new Answer(200, body, Duration.ZERO, false);
        }

        Answer after(Duration delay) {
            return new Answer(status, body, delay, chunked);
        }

        Answer status(int status) {
            return new Answer(status, body, delay, chunked);
        }

        Answer inChunks() {
            return new Answer(status, body, delay, true);
        }
    }

    /** A request as it reached the backend: method, path, raw query and headers (names lower-cased). */
    record Received(String method, String path, String query, Map<String, String> headers) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Backend server;

    AggregationBackend() {
        server = Backend.start(new HttpHandler() {
            @Override
            public void handleRequest(HttpServerExchange exchange) throws Exception {
                if (exchange.isInIoThread()) {
                    exchange.dispatch(this); // a test backend may sleep; the gateway never does
                    return;
                }
                answer(exchange);
            }
        });
    }

    /** Answers this path (without query) with this answer from now on. */
    AggregationBackend on(String path, Answer answer) {
        answers.put(path, answer);
        return this;
    }

    String url() {
        return server.url();
    }

    List<Received> received() {
        return received;
    }

    /** Returns the requests that reached this path. */
    List<Received> received(String path) {
        return received.stream().filter(request -> request.path().equals(path)).toList();
    }

    private void answer(HttpServerExchange exchange) throws Exception {
        Map<String, String> headers = new TreeMap<>();
        exchange.getRequestHeaders().forEach(values -> headers.put(
                values.getHeaderName().toString().toLowerCase(Locale.ROOT), String.join(",", values)));
        received.add(new Received(exchange.getRequestMethod().toString(), exchange.getRequestPath(),
                exchange.getQueryString(), headers));
        Answer answer = answers.getOrDefault(exchange.getRequestPath(),
                new Answer(404, "{\"error\":\"not_found\"}", Duration.ZERO, false));
        if (!answer.delay().isZero()) {
            Thread.sleep(answer.delay().toMillis());
        }
        exchange.setStatusCode(answer.status());
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
        if (answer.chunked()) {
            exchange.getResponseHeaders().put(new HttpString("Transfer-Encoding"), "chunked");
            exchange.startBlocking();
            try (OutputStream out = exchange.getOutputStream()) {
                for (int at = 0; at < body.length; at += 8192) {
                    out.write(body, at, Math.min(8192, body.length - at));
                    out.flush();
                }
            } catch (java.io.IOException gone) {
                // the gateway stopped reading: what the bound is for
            }
        } else {
            exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, body.length);
            exchange.getResponseSender().send(new String(body, StandardCharsets.UTF_8));
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
