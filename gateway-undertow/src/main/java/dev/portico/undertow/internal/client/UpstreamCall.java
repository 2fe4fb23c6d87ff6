package dev.portico.undertow.internal.client;

import dev.portico.core.GatewayException;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.spi.CallOptions;
import dev.portico.core.upstream.CallListener;
import dev.portico.core.upstream.CallOutcome.Kind;
import dev.portico.core.upstream.CallOutcome;
import dev.portico.core.upstream.Endpoint;
import dev.portico.undertow.internal.buffer.WriteBatch;
import io.undertow.server.HttpServerExchange;
import org.xnio.XnioIoThread;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One request to one upstream endpoint over HTTP/1.1, run on the client exchange's IO thread: take a pooled
 * connection or open one (connect timeout), write the head and the body, and complete with the response head once
 * the final one arrives (response timeout); interim 1xx heads are dropped. Any fault, of the upstream or of the
 * gateway itself, ends the call with a 502 or 504 and closes the connection; a reused connection that fails before
 * answering is retried once on a new one when the body can be sent again.
 */
public final class UpstreamCall {

    /** The steps of a call, where tests inject faults. */
    public enum Step { CONNECTED, WRITING, REQUEST_SENT, HEAD_READ, BODY_READ }

    private static final System.Logger LOG = System.getLogger(UpstreamCall.class.getName());

    /** A fault injector for tests: called at each step, it may throw. */
    public static volatile Consumer<Step> faults;

    private final ConnectionPool pool;
    private final HttpServerExchange server;
    private final ClientBodySource bodies;
    private final XnioIoThread thread;
    private final Endpoint endpoint;
    private final String upstreamName;
    private final Request request;
    private final CallOptions options;
    private final int maxHead;
    private final long bodyIdleNanos;
    private final CompletableFuture<Response> result = new Result();

    private UpstreamConnection connection;
    private Runnable connecting;
    private boolean reused;
    private RequestWriter writer;
    private ResponseHead.Scanner scanner;
    private int scanned;
    private int headBytes;
    private boolean responded;
    private int status;
    private long attemptStarted;
    private UpstreamBody body;
    private Upgraded upgraded;

    private long deadline;
    private String lateness;
    /** Whether the armed timeout waits for the request body's source, not for the upstream. */
    private boolean awaitingBody;
    private long timeoutNanos;
    private boolean watched;

    /**
     * A call on {@code thread}, for the client exchange {@code server} whose own body {@code bodies} opens, or for
     * none ({@code null} both).
     */
    UpstreamCall(ConnectionPool pool, HttpServerExchange server, ClientBodySource bodies, XnioIoThread thread,
                 Endpoint endpoint, Request request, CallOptions options, int maxHead, Duration bodyIdleTimeout) {
        this.pool = pool;
        this.server = server;
        this.bodies = bodies;
        this.thread = thread;
        this.endpoint = endpoint;
        this.upstreamName = options.upstream();
        this.request = request;
        this.options = options;
        this.maxHead = maxHead;
        this.bodyIdleNanos = bodyIdleTimeout.toNanos();
    }

    /**
     * Starts the call; callable from any thread (a retry starts on the gateway's timer thread after its backoff), as
     * everything that touches the exchange or a channel runs on the IO thread.
     */
    CompletableFuture<Response> start() {
        onIoThread(() -> {
            if (server != null) {
                if (server.isComplete()) {
                    attemptStarted = System.nanoTime();
                    fail(GatewayException.badRequest("the client went away"), Kind.CANCELLED);
                    return;
                }
                server.addExchangeCompleteListener((ex, next) -> {
                    onIoThread(() -> guarded(this::clientGone));
                    next.proceed();
                });
            }
            guarded(this::begin);
        });
        return result;
    }

    /**
     * The call's response, which aborts the call and frees its connection when the caller cancels it or fails it with
     * a 504 (its deadline passed first), without a stage of its own on every call.
     */
    private final class Result extends CompletableFuture<Response> {

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled) {
                aborted(new CancellationException("the caller gave up"));
            }
            return cancelled;
        }

        @Override
        public boolean completeExceptionally(Throwable failure) {
            boolean failed = super.completeExceptionally(failure);
            if (failed) {
                aborted(failure);
            }
            return failed;
        }

        private void aborted(Throwable failure) {
            if (failure instanceof CancellationException) {
                onIoThread(() -> fail(failure, Kind.CANCELLED)); // the caller gave up: abort, free the connection
            } else if (failure instanceof GatewayException e && e.status() == 504) {
                // the caller's deadline passed first (or this call's own timer, whose fail() this repeats harmlessly)
                onIoThread(() -> fail(failure, Kind.TIMEOUT));
            }
        }
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

    /** A step that may fail on the network or on the upstream's bytes. */
    interface IoStep {
        void run() throws IOException;
    }

    /** Runs a step; whatever it throws ends the call (or, once answered, the body) instead of escaping. */
    void guarded(IoStep step) {
        try {
            step.run();
        } catch (BadResponseException e) {
            broken(GatewayException.badGateway("upstream " + upstreamName + " sent " + e.getMessage()), Kind.PROTOCOL_ERROR);
        } catch (IOException e) {
            if (!responded) {
                retryOrFail();
            } else {
                broken(GatewayException.badGateway("upstream " + upstreamName + " broke off its response"), Kind.RESET);
            }
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "upstream call to " + upstreamName + " failed", e);
            broken(GatewayException.badGateway("the call to upstream " + upstreamName + " failed"), Kind.RESET);
        }
    }

    private void broken(GatewayException failure, Kind kind) {
        if (!responded) {
            fail(failure, kind);
        } else if (body != null) {
            body.broken(failure);
        }
    }

    static void step(Step step) {
        Consumer<Step> injector = faults;
        if (injector != null) {
            injector.accept(step);
        }
    }

    private void begin() throws IOException {
        if (responded) {
            return;
        }
        attemptStarted = System.nanoTime();
        UpstreamConnection pooled = pool.acquire(endpoint, thread);
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
        connecting = pool.connect(endpoint, thread, fresh -> guarded(() -> {
            connecting = null;
            if (responded) {
                fresh.reusable = true;
                pool.release(fresh);
                return;
            }
            connection = fresh;
            step(Step.CONNECTED);
            send(fresh);
        }), e -> {
            if (!responded) {
                fail(GatewayException.badGateway("upstream " + upstreamName + " refused the connection"),
                        Kind.CONNECT_FAILURE);
            }
        });
    }

    private void send(UpstreamConnection c) throws IOException {
        connection = c;
        c.reusable = true;
        scanner = new ResponseHead.Scanner();
        scanned = 0;
        headBytes = 0;
        cancelTimer(); // the response timeout starts once the whole request is sent
        c.source.getReadSetter().set(channel -> guarded(this::readHead));
        c.source.resumeReads();
        step(Step.WRITING);
        RequestWriter w = new RequestWriter(this, c, bodies, request, endpoint, options);
        writer = w;
        WriteBatch.defer(thread, () -> guarded(w::start));
    }

    private void stopWriting() {
        if (writer != null) {
            writer.stop();
        }
    }

    /** The whole request is out: the response timeout starts. */
    void requestSent() {
        if (!responded) {
            arm(options.responseTimeout(), "did not answer within ");
        }
    }

    /** Reads until a final response head has arrived, dropping interim ones. */
    private void readHead() throws IOException {
        UpstreamConnection c = connection;
        while (!responded) {
            ByteBuffer buffer = c.buffer();
            int end = buffer == null ? -1 : scanner.scan(buffer, buffer.position() + scanned, buffer.limit());
            if (end < 0) {
                scanned = c.buffered();
                if (headBytes + scanned > maxHead) {
                    throw new BadResponseException("a response head over " + maxHead + " bytes");
                }
                int read = c.fill(maxHead + 1);
                if (read < 0) {
                    if (headBytes + scanned > 0) {
                        throw new BadResponseException("a truncated response head");
                    }
                    throw new IOException("closed before answering");
                }
                if (read == 0) {
                    return;
                }
                continue;
            }
            int start = buffer.position();
            buffer.position(end);
            scanned = 0;
            headBytes += end - start;
            if (headBytes > maxHead) {
                throw new BadResponseException("a response head over " + maxHead + " bytes");
            }
            ResponseHead head = ResponseHead.parse(buffer, start, end);
            step(Step.HEAD_READ);
            if (head.status == 101) {
                if (options.webSocket() == null || request.header("Upgrade") == null) {
                    throw new BadResponseException("101 Switching Protocols to a request that asked for no upgrade");
                }
                switched(head);
                return;
            }
            if (head.status >= 200) {
                respond(head);
            }
        }
    }

    private void respond(ResponseHead head) throws IOException {
        UpstreamConnection c = connection;
        status = head.status;
        boolean bodiless = request.method().equals("HEAD") || status == 204 || status == 304;
        long framing = bodiless ? 0 : head.length;
        body = new UpstreamBody(this, c, framing, maxHead);
        if (framing == ResponseHead.CHUNKED) {
            body.checkBuffered(); // a malformed first chunk that came with the head is still a clean 502
        }
        responded = true;
        cancelTimer();
        // reads stay resumed (a body already read, and a pooled connection, resume them anyway): should bytes come
        // before the body's reader sets its listener, XNIO suspends reads that have none
        c.source.getReadSetter().set(null);
        if (!head.keepAlive || framing == ResponseHead.UNTIL_CLOSE) {
            c.reusable = false;
        }
        if (!writer.isSent()) {
            writer.stop();
            c.reusable = false;
            if (server != null) {
                server.setPersistent(false); // answered before the body was read: close rather than drain the rest
            }
        }
        report(Kind.RESPONSE, status, false);
        if (!result.complete(Response.builder(status).headers(head.headers).body(body).build())) {
            body.discard(); // cancelled as the head arrived: nobody will read the body, so free its connection
        }
    }

    /** Completes with the upstream's 101, whose body is its connection, for the relay to take over. */
    private void switched(ResponseHead head) {
        UpstreamConnection c = connection;
        responded = true;
        cancelTimer();
        c.source.getReadSetter().set(null);
        c.source.suspendReads();
        c.reusable = false;
        status = 101;
        report(Kind.RESPONSE, status, false);
        // the relay keeps only what reporting its end needs, not this call with the handshake's exchange and request
        List<CallListener> listeners = options.listeners();
        String name = upstreamName;
        Endpoint at = endpoint;
        long started = attemptStarted;
        upgraded = new Upgraded(c, options.webSocket(), kind -> report(listeners, name, at, kind, 101, started, false));
        if (!result.complete(Response.builder(101).headers(head.headers).body(upgraded).build())) {
            upgraded.close(false);
        }
    }

    private void retryOrFail() {
        if (responded) {
            return;
        }
        boolean replayable = request.body().isBuffered() || request.body().length() == 0;
        boolean nothingReceived = headBytes == 0 && scanned == 0;
        // the upstream may have read the request before it closed: only a method safe to apply twice is sent again
        // (RFC 9110 9.2.2; RFC 9112 9.3.1 forbids replaying another without knowing it was never applied)
        boolean retry = reused && replayable && nothingReceived && isIdempotent(request.method());
        stopWriting();
        closeConnection();
        if (retry) {
            report(Kind.RESET, 0, true);
            attemptStarted = System.nanoTime();
            connect(); // a pooled connection the upstream had already closed: once more on a new one
        } else {
            fail(GatewayException.badGateway("upstream " + upstreamName + " closed the connection"), Kind.RESET);
        }
    }

    private static boolean isIdempotent(String method) {
        return switch (method) {
            case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE" -> true;
            default -> false;
        };
    }

    /** Ends the call because its request body failed, the caller's side: reported as cancelled. */
    void requestFailed(Throwable failure) {
        fail(failure, Kind.CANCELLED);
    }

    /** Ends the call before its response with this failure, reported as {@code kind}, and closes the connection. */
    void fail(Throwable failure, Kind kind) {
        if (responded) {
            return;
        }
        responded = true;
        report(kind, 0, false);
        cancelTimer();
        if (connecting != null) {
            connecting.run();
            connecting = null;
        }
        stopWriting();
        closeConnection();
        result.completeExceptionally(failure);
    }

    /** Closes the connection; by a reset when the request was not all sent, so it is never taken as whole. */
    private void closeConnection() {
        UpstreamConnection c = connection;
        if (c != null) {
            c.reusable = false;
            c.close(writer == null || !writer.isSent());
        }
    }

    /** Ends the exchange on the connection once the body is done with: reuses the connection, or closes it. */
    void finished(boolean complete) {
        cancelTimer();
        report(complete ? Kind.BODY_FINISHED : Kind.BODY_ABORTED, status, false);
        UpstreamConnection c = connection;
        if (complete && writer.isSent() && c.reusable) {
            pool.release(c);
        } else {
            writer.stop();
            c.reusable = false;
            c.close(!writer.isSent());
        }
    }

    /** Tells the listeners of the call how this attempt went. */
    private void report(Kind kind, int status, boolean retried) {
        report(options.listeners(), upstreamName, endpoint, kind, status, attemptStarted, retried);
    }

    private static void report(List<CallListener> listeners, String upstreamName, Endpoint endpoint, Kind kind,
                               int status, long attemptStarted, boolean retried) {
        if (listeners.isEmpty()) {
            return;
        }
        CallOutcome outcome = new CallOutcome(upstreamName, endpoint, kind, status,
                Duration.ofNanos(System.nanoTime() - attemptStarted), retried);
        for (CallListener listener : listeners) {
            try {
                listener.onOutcome(outcome);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "a call listener failed", e);
            }
        }
    }

    /** Arms the body idle timeout while the body waits on the upstream. */
    void awaitBody() {
        arm(Duration.ofNanos(bodyIdleNanos), "stalled its response body for ");
    }

    void arm(Duration timeout, String message) {
        awaitingBody = false;
        armFor(timeout, message);
    }

    /**
     * Arms the timeout for the request body's next chunk: its expiry is the body's source stalling (a client, or
     * whatever a filter maps it from), answered 408 and reported as cancelled, never as this upstream's fault.
     */
    void armForBody(Duration timeout) {
        awaitingBody = true;
        armFor(timeout, "was sent no request body byte for "); // the message once the upstream has answered
    }

    private void armFor(Duration timeout, String message) {
        timeoutNanos = timeout.toNanos();
        deadline = System.nanoTime() + timeoutNanos;
        lateness = message;
        if (!watched) {
            watched = true;
            Deadlines.of(thread).watch(this);
        }
    }

    void cancelTimer() {
        deadline = 0;
    }

    boolean hasDeadline() {
        return deadline != 0;
    }

    void unwatched() {
        watched = false;
    }

    /** Ends the call (or its body) with 504 when its deadline has passed; returns whether it did. */
    boolean expireIfDue(long now) {
        if (deadline == 0 || now - deadline < 0) {
            return false;
        }
        deadline = 0;
        watched = false;
        long millis = Math.max(1, Math.round(timeoutNanos / 1e6));
        if (awaitingBody && !responded) {
            fail(new GatewayException(408, "request_timeout", "the request body sent no byte for " + millis + " ms"),
                    Kind.CANCELLED);
            return true;
        }
        GatewayException timeout = GatewayException.gatewayTimeout("upstream " + upstreamName + ' ' + lateness
                + millis + " ms");
        if (!responded) {
            fail(timeout, Kind.TIMEOUT);
        } else if (body != null) {
            body.broken(timeout);
        }
        return true;
    }

    private void clientGone() {
        if (!responded) {
            fail(GatewayException.badRequest("the client went away"), Kind.CANCELLED);
        } else if (body != null) {
            body.abandon();
        } else if (upgraded != null && !server.isUpgrade()) {
            upgraded.discard(); // the client was answered otherwise: nobody takes the upstream's connection
        }
    }
}
