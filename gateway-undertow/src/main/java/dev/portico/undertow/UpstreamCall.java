package dev.portico.undertow;

import dev.portico.core.Body;
import dev.portico.core.GatewayException;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.spi.CallOptions;
import dev.portico.core.spi.Endpoint;
import io.undertow.client.ClientCallback;
import io.undertow.client.ClientConnection;
import io.undertow.client.ClientExchange;
import io.undertow.client.ClientRequest;
import io.undertow.client.ClientResponse;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Transfer;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.XnioIoThread;
import org.xnio.channels.StreamSinkChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * One request to one upstream endpoint, run on the client exchange's IO thread: take a pooled connection or open
 * one (connect timeout), send the head, stream or write the body, and complete with the response head (response
 * timeout); a reused connection that fails before answering is retried once on a new one when the body allows.
 */
final class UpstreamCall {

    private final ConnectionPool pool;
    private final HttpServerExchange server;
    private final XnioIoThread thread;
    private final Endpoint endpoint;
    private final String upstreamName;
    private final Request request;
    private final CallOptions options;
    private final CompletableFuture<Response> result = new CompletableFuture<>();

    private ClientConnection connection;
    private long deadline;
    private String lateness;
    private long timeoutNanos;
    private boolean watched;
    private UpstreamBody body;
    private boolean reused;
    private boolean sent;
    private boolean done;
    private boolean released;

    UpstreamCall(ConnectionPool pool, HttpServerExchange server, Endpoint endpoint, String upstreamName,
                 Request request, CallOptions options) {
        this.pool = pool;
        this.server = server;
        this.thread = server.getIoThread();
        this.endpoint = endpoint;
        this.upstreamName = upstreamName;
        this.request = request;
        this.options = options;
    }

    CompletableFuture<Response> start() {
        server.addExchangeCompleteListener((ex, next) -> {
            onIoThread(this::clientGone);
            next.proceed();
        });
        onIoThread(this::begin);
        return result;
    }

    String upstreamName() {
        return upstreamName;
    }

    void onIoThread(Runnable task) {
        if (Thread.currentThread() == thread) {
            task.run();
        } else {
            thread.execute(task);
        }
    }

    private void begin() {
        ClientConnection pooled = pool.acquire(endpoint, thread);
        if (pooled != null) {
            reused = true;
            send(pooled);
        } else {
            connect();
        }
    }

    private void connect() {
        reused = false;
        arm(options.connectTimeout(), "did not accept a connection within ");
        pool.connect(endpoint, thread, server.getConnection().getByteBufferPool(), new ClientCallback<>() {
            @Override
            public void completed(ClientConnection fresh) {
                if (done) {
                    pool.release(endpoint, fresh);
                    return;
                }
                cancelTimer();
                send(fresh);
            }

            @Override
            public void failed(IOException e) {
                fail(GatewayException.badGateway("upstream " + upstreamName + " refused the connection"));
            }
        });
    }

    private void send(ClientConnection c) {
        this.connection = c;
        ClientRequest head = head();
        cancelTimer(); // the response timeout starts once the whole request is sent
        c.sendRequest(head, new ClientCallback<>() {
            @Override
            public void completed(ClientExchange exchange) {
                exchange.setResponseListener(new ClientCallback<>() {
                    @Override
                    public void completed(ClientExchange answered) {
                        respond(answered);
                    }

                    @Override
                    public void failed(IOException e) {
                        retryOrFail(c);
                    }
                });
                writeBody(exchange);
            }

            @Override
            public void failed(IOException e) {
                retryOrFail(c);
            }
        });
    }

    private ClientRequest head() {
        ClientRequest head = new ClientRequest()
                .setMethod(HttpString.tryFromString(request.method()))
                .setPath(endpoint.basePath().isEmpty() ? request.target() : endpoint.basePath() + request.target());
        HeaderMap headers = head.getRequestHeaders();
        dev.portico.core.Headers in = request.headers();
        for (int i = 0; i < in.size(); i++) {
            String name = in.name(i);
            if (!name.equalsIgnoreCase("Content-Length")) {
                headers.add(HttpString.tryFromString(name), in.value(i));
            }
        }
        long length = request.body().length();
        if (length > 0 || (length == 0 && expectsBody(request.method()))) {
            headers.put(Headers.CONTENT_LENGTH, length);
        } else if (length < 0) {
            headers.put(Headers.TRANSFER_ENCODING, Headers.CHUNKED.toString());
        }
        return head;
    }

    private static boolean expectsBody(String method) {
        return method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
    }

    private void writeBody(ClientExchange exchange) {
        StreamSinkChannel sink = exchange.getRequestChannel();
        Body b = request.body();
        if (b.length() == 0) {
            finishRequest(sink);
        } else if (b instanceof ExchangeBody streamed && streamed.exchange() == server && streamed.claim()) {
            long max = options.maxRequestBody();
            server.setMaxEntitySize(max);
            server.addRequestWrapper((factory, ex) -> new LimitedSourceConduit(factory.create(), max));
            Transfer.initiateTransfer(server.getRequestChannel(), sink, ChannelListeners.closingChannelListener(),
                    this::finishRequest,
                    (channel, e) -> fail(e instanceof RequestTooBigException
                            ? GatewayException.payloadTooLarge(options.maxRequestBody())
                            : GatewayException.badRequest("the request body could not be read")),
                    (channel, e) -> retryOrFail(exchange.getConnection()),
                    server.getConnection().getByteBufferPool());
        } else {
            b.bytes(options.maxRequestBody()).whenComplete((bytes, failure) -> onIoThread(() -> {
                if (failure != null) {
                    fail(failure);
                } else {
                    write(sink, ByteBuffer.wrap(bytes));
                }
            }));
        }
    }

    private void write(StreamSinkChannel sink, ByteBuffer bytes) {
        try {
            while (bytes.hasRemaining()) {
                if (sink.write(bytes) == 0) {
                    sink.getWriteSetter().set(channel -> write(channel, bytes));
                    sink.resumeWrites();
                    return;
                }
            }
            sink.suspendWrites();
            finishRequest(sink);
        } catch (IOException e) {
            retryOrFail(connection);
        }
    }

    private void finishRequest(StreamSinkChannel sink) {
        sent = true;
        if (!done) {
            arm(options.responseTimeout(), "did not answer within ");
        }
        try {
            sink.shutdownWrites();
            if (!sink.flush()) {
                sink.getWriteSetter().set(ChannelListeners.flushingChannelListener(
                        channel -> channel.getWriteSetter().set(null),
                        (channel, e) -> retryOrFail(connection)));
                sink.resumeWrites();
            } else {
                sink.getWriteSetter().set(null);
            }
        } catch (IOException e) {
            retryOrFail(connection);
        }
    }

    private void respond(ClientExchange exchange) {
        if (done) {
            return;
        }
        done = true;
        cancelTimer();
        if (!sent) {
            server.setPersistent(false); // answered before the body was read: close rather than drain the rest
        }
        ClientResponse answer = exchange.getResponse();
        dev.portico.core.Headers.Builder headers = dev.portico.core.Headers.builder();
        for (HeaderValues values : answer.getResponseHeaders()) {
            if (isFraming(values)) {
                continue; // this connection's own framing: the client connection gets its own
            }
            String name = values.getHeaderName().toString();
            for (int i = 0; i < values.size(); i++) {
                headers.add(name, values.get(i));
            }
        }
        int status = answer.getResponseCode();
        long length = request.method().equals("HEAD") || status == 204 || status == 304 || status < 200 ? 0
                : contentLength(answer.getResponseHeaders().getFirst(Headers.CONTENT_LENGTH));
        body = new UpstreamBody(this, exchange, length);
        result.complete(Response.builder(status).headers(headers.build()).body(body).build());
    }

    /** Returns whether a header only frames the upstream connection: Transfer-Encoding, or a bare Connection. */
    private static boolean isFraming(HeaderValues values) {
        HttpString name = values.getHeaderName();
        if (name.equals(Headers.TRANSFER_ENCODING)) {
            return true;
        }
        if (!name.equals(Headers.CONNECTION) || values.size() != 1) {
            return false;
        }
        String value = values.getFirst();
        return value.equalsIgnoreCase("keep-alive") || value.equalsIgnoreCase("close");
    }

    private static long contentLength(String value) {
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void retryOrFail(ClientConnection failed) {
        if (done) {
            abort(failed);
            return;
        }
        abort(failed);
        Body b = request.body();
        if (reused && (b.isBuffered() || b.length() == 0)) {
            connect(); // a pooled connection the upstream had already closed: once more on a new one
        } else {
            fail(GatewayException.badGateway("upstream " + upstreamName + " closed the connection"));
        }
    }

    private void arm(java.time.Duration timeout, String message) {
        timeoutNanos = timeout.toNanos();
        deadline = System.nanoTime() + timeoutNanos;
        lateness = message;
        if (!watched) {
            watched = true;
            Deadlines.of(thread).watch(this);
        }
    }

    boolean hasDeadline() {
        return deadline != 0;
    }

    void unwatched() {
        watched = false;
    }

    /** Fails the call with 504 when its deadline has passed; returns whether it did. */
    boolean expireIfDue(long now) {
        if (deadline == 0 || now - deadline < 0) {
            return false;
        }
        deadline = 0;
        watched = false;
        fail(GatewayException.gatewayTimeout("upstream " + upstreamName + ' ' + lateness
                + Math.max(1, Math.round(timeoutNanos / 1e6)) + " ms"));
        return true;
    }

    private void fail(Throwable failure) {
        if (done) {
            return;
        }
        done = true;
        cancelTimer();
        abort(connection);
        result.completeExceptionally(failure);
    }

    private void cancelTimer() {
        deadline = 0;
    }

    /** The response body was read to its end: the connection may serve another request. */
    void release() {
        if (!released) {
            released = true;
            pool.release(endpoint, connection);
        }
    }

    /** The response body will not be read to its end: the connection cannot be reused. */
    void discard() {
        released = true;
        abort(connection);
    }

    /**
     * Closes a connection; one whose request is unfinished is reset at the socket, under the client connection's
     * conduits, because their clean close would complete the request (an empty or truncated body the upstream would
     * then act on) or wait for it forever.
     */
    private void abort(ClientConnection c) {
        if (c != null && c == connection && !sent && c.isOpen()) {
            try {
                StreamConnection socket = c.performUpgrade();
                socket.setOption(Options.CLOSE_ABORT, true);
                IoUtils.safeClose(socket);
            } catch (IOException e) {
                // closed already
            }
        }
        IoUtils.safeClose(c);
    }

    private void clientGone() {
        if (!done) {
            fail(GatewayException.badRequest("the client went away"));
        } else if (body != null) {
            body.abandon();
        }
    }
}
