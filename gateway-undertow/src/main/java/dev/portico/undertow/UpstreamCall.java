package dev.portico.undertow;

import dev.portico.core.Body;
import dev.portico.core.GatewayException;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.spi.CallOptions;
import dev.portico.core.spi.Endpoint;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import org.xnio.XnioIoThread;
import org.xnio.channels.StreamSourceChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One request to one upstream endpoint over HTTP/1.1, run on the client exchange's IO thread: take a pooled
 * connection or open one (connect timeout), write the head and the body, and complete with the response head once
 * the final one arrives (response timeout); interim 1xx heads are dropped. Any fault, of the upstream or of the
 * gateway itself, ends the call with a 502 or 504 and closes the connection; a reused connection that fails before
 * answering is retried once on a new one when the body can be sent again.
 */
final class UpstreamCall {

    /** The steps of a call, where tests inject faults. */
    enum Step { CONNECTED, WRITING, REQUEST_SENT, HEAD_READ, BODY_READ }

    private static final System.Logger LOG = System.getLogger(UpstreamCall.class.getName());
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = {'0', '\r', '\n', '\r', '\n'};

    /** A fault injector for tests: called at each step, it may throw. */
    static volatile Consumer<Step> faults;

    private final ConnectionPool pool;
    private final HttpServerExchange server;
    private final XnioIoThread thread;
    private final Endpoint endpoint;
    private final String upstreamName;
    private final Request request;
    private final CallOptions options;
    private final int maxHead;
    private final long bodyIdleNanos;
    private final CompletableFuture<Response> result = new CompletableFuture<>();

    private UpstreamConnection connection;
    private Runnable connecting;
    private boolean reused;
    private ByteBuffer[] out;
    private StreamSourceChannel clientBody;
    private PooledByteBuffer pumped;
    private ByteBuffer unsentHead;
    private boolean chunkedUpload;
    private long uploadLeft;
    private boolean sent;
    private ResponseHead.Scanner scanner;
    private int scanned;
    private int headBytes;
    private boolean responded;
    private UpstreamBody body;

    private long deadline;
    private String lateness;
    private long timeoutNanos;
    private boolean watched;

    UpstreamCall(ConnectionPool pool, HttpServerExchange server, Endpoint endpoint, Request request,
                 CallOptions options, int maxHead, Duration bodyIdleTimeout) {
        this.pool = pool;
        this.server = server;
        this.thread = server.getIoThread();
        this.endpoint = endpoint;
        this.upstreamName = options.upstream();
        this.request = request;
        this.options = options;
        this.maxHead = maxHead;
        this.bodyIdleNanos = bodyIdleTimeout.toNanos();
    }

    CompletableFuture<Response> start() {
        server.addExchangeCompleteListener((ex, next) -> {
            onIoThread(() -> guarded(this::clientGone));
            next.proceed();
        });
        onIoThread(() -> guarded(this::begin));
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

    /** A step that may fail on the network or on the upstream's bytes. */
    interface IoStep {
        void run() throws IOException;
    }

    /** Runs a step; whatever it throws ends the call (or, once answered, the body) instead of escaping. */
    void guarded(IoStep step) {
        try {
            step.run();
        } catch (BadResponseException e) {
            broken(GatewayException.badGateway("upstream " + upstreamName + " sent " + e.getMessage()));
        } catch (IOException e) {
            if (!responded) {
                retryOrFail();
            } else {
                broken(GatewayException.badGateway("upstream " + upstreamName + " broke off its response"));
            }
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "upstream call to " + upstreamName + " failed", e);
            broken(GatewayException.badGateway("the call to upstream " + upstreamName + " failed"));
        }
    }

    private void broken(GatewayException failure) {
        if (!responded) {
            fail(failure);
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
                fail(GatewayException.badGateway("upstream " + upstreamName + " refused the connection"));
            }
        });
    }

    private void send(UpstreamConnection c) throws IOException {
        connection = c;
        c.reusable = true;
        sent = false;
        scanner = new ResponseHead.Scanner();
        scanned = 0;
        headBytes = 0;
        cancelTimer(); // the response timeout starts once the whole request is sent
        c.source.getReadSetter().set(channel -> guarded(this::readHead));
        c.source.resumeReads();
        step(Step.WRITING);
        Body b = request.body();
        if (b.length() != 0 && b instanceof ExchangeBody streamed && streamed.exchange() == server && streamed.claim()) {
            long max = options.maxRequestBody();
            server.setMaxEntitySize(max);
            server.addRequestWrapper((factory, ex) -> new LimitedSourceConduit(factory.create(), max));
            clientBody = server.getRequestChannel();
            chunkedUpload = b.length() < 0;
            uploadLeft = b.length();
            unsentHead = head(b.length());
            pump();
        } else if (b.length() == 0) {
            out = new ByteBuffer[] {head(0)};
            writeOut();
        } else {
            b.bytes(options.maxRequestBody()).whenComplete((bytes, failure) -> onIoThread(() -> guarded(() -> {
                if (responded || c != connection) {
                    return;
                }
                if (failure != null) {
                    fail(failure);
                } else {
                    out = new ByteBuffer[] {head(bytes.length), ByteBuffer.wrap(bytes)};
                    writeOut();
                }
            })));
        }
    }

    /** Returns the request head, framed by {@code length}: a Content-Length, or chunked when it is negative. */
    private ByteBuffer head(long length) {
        StringBuilder head = new StringBuilder(256).append(request.method()).append(' ');
        if (!endpoint.basePath().isEmpty()) {
            head.append(endpoint.basePath());
        }
        head.append(request.target()).append(" HTTP/1.1\r\n");
        dev.portico.core.Headers headers = request.headers();
        for (int i = 0; i < headers.size(); i++) {
            String name = headers.name(i);
            if (!name.equalsIgnoreCase("Content-Length") && !name.equalsIgnoreCase("Transfer-Encoding")) {
                head.append(name).append(": ").append(headers.value(i)).append("\r\n");
            }
        }
        if (length > 0 || (length == 0 && expectsBody(request.method()))) {
            head.append("Content-Length: ").append(length).append("\r\n");
        } else if (length < 0) {
            head.append("Transfer-Encoding: chunked\r\n");
        }
        return ByteBuffer.wrap(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    private static boolean expectsBody(String method) {
        return method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
    }

    /** Writes what is pending; when all of it is out, goes on with the body or ends the request. */
    private void writeOut() throws IOException {
        if (!write()) {
            return;
        }
        if (clientBody != null) {
            pump();
        } else {
            requestSent();
        }
    }

    /** Writes the pending buffers; returns {@code false} (and waits to be called again) when the socket is full. */
    private boolean write() throws IOException {
        UpstreamConnection c = connection;
        ByteBuffer[] pending = out;
        ByteBuffer last = pending[pending.length - 1];
        while (last.hasRemaining()) {
            if (c.sink.write(pending, 0, pending.length) == 0) {
                c.sink.getWriteSetter().set(channel -> guarded(this::writeOut));
                c.sink.resumeWrites();
                if (clientBody != null) {
                    clientBody.suspendReads();
                }
                // an upstream that stops reading the request is bounded like one that does not answer
                arm(options.responseTimeout(), "stopped reading the request for ");
                return false;
            }
        }
        cancelTimer();
        c.sink.suspendWrites();
        out = null;
        return true;
    }

    /** Copies the client's body to the upstream, framing it as chunks when its length was not known. */
    private void pump() throws IOException {
        while (!responded) {
            if (out != null && !write()) {
                return;
            }
            if (pumped == null) {
                pumped = pool.buffers().allocate();
            }
            ByteBuffer data = pumped.getBuffer();
            data.clear();
            int read;
            try {
                read = clientBody.read(data);
            } catch (IOException e) {
                clientBodyFailed(e);
                return;
            }
            if (read == 0) {
                if (unsentHead != null) {
                    out = new ByteBuffer[] {unsentHead}; // the upstream may start on the head while the body comes
                    unsentHead = null;
                    continue;
                }
                clientBody.getReadSetter().set(channel -> guarded(this::pump));
                clientBody.resumeReads();
                return;
            }
            if (read < 0) {
                if (!chunkedUpload && uploadLeft > 0) {
                    clientBodyFailed(new IOException("the client's body ended short"));
                    return;
                }
                clientBody.suspendReads();
                clientBody.getReadSetter().set(null);
                clientBody = null;
                freePump();
                out = framed(chunkedUpload ? ByteBuffer.wrap(LAST_CHUNK) : null, null);
                if (out.length > 0 && !write()) {
                    return;
                }
                requestSent();
                return;
            }
            data.flip();
            uploadLeft -= read;
            out = chunkedUpload
                    ? framed(ByteBuffer.wrap((Integer.toHexString(read) + "\r\n").getBytes(StandardCharsets.ISO_8859_1)), data)
                    : framed(data, null);
        }
    }

    /** Returns what to write next: the head if it is still unsent (one write with the first bytes), then these. */
    private ByteBuffer[] framed(ByteBuffer first, ByteBuffer data) {
        ByteBuffer head = unsentHead;
        unsentHead = null;
        ByteBuffer[] all = {head, first, data, data == null ? null : ByteBuffer.wrap(CRLF)};
        int n = 0;
        for (ByteBuffer b : all) {
            if (b != null) {
                all[n++] = b;
            }
        }
        return Arrays.copyOf(all, n);
    }

    private void clientBodyFailed(IOException e) {
        fail(e instanceof RequestTooBigException
                ? GatewayException.payloadTooLarge(options.maxRequestBody())
                : GatewayException.badRequest("the request body could not be read"));
    }

    private void requestSent() throws IOException {
        UpstreamConnection c = connection;
        if (!c.sink.flush()) {
            c.sink.getWriteSetter().set(channel -> guarded(this::requestSent));
            c.sink.resumeWrites();
            return;
        }
        c.sink.suspendWrites();
        sent = true;
        step(Step.REQUEST_SENT);
        if (!responded) {
            arm(options.responseTimeout(), "did not answer within ");
        }
    }

    /** Stops sending the request: the upstream answered before it had all of it, or the call ended. */
    private void stopSending() {
        if (clientBody != null) {
            clientBody.suspendReads();
            clientBody.getReadSetter().set(null);
            clientBody = null;
        }
        freePump();
        if (connection != null) {
            connection.sink.suspendWrites();
            connection.sink.getWriteSetter().set(null);
        }
    }

    private void freePump() {
        if (pumped != null) {
            pumped.close();
            pumped = null;
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
            byte[] bytes = new byte[end - buffer.position()];
            buffer.get(bytes);
            scanned = 0;
            headBytes += bytes.length;
            if (headBytes > maxHead) {
                throw new BadResponseException("a response head over " + maxHead + " bytes");
            }
            ResponseHead head = ResponseHead.parse(bytes, 0, bytes.length);
            step(Step.HEAD_READ);
            if (head.status == 101) {
                throw new BadResponseException("101 Switching Protocols to a request that asked for no upgrade");
            }
            if (head.status >= 200) {
                respond(head);
            }
        }
    }

    private void respond(ResponseHead head) throws IOException {
        UpstreamConnection c = connection;
        int status = head.status;
        boolean bodiless = request.method().equals("HEAD") || status == 204 || status == 304;
        long framing = bodiless ? 0 : head.length;
        body = new UpstreamBody(this, c, framing, maxHead);
        if (framing == ResponseHead.CHUNKED) {
            body.checkBuffered(); // a malformed first chunk that came with the head is still a clean 502
        }
        responded = true;
        cancelTimer();
        c.source.suspendReads();
        c.source.getReadSetter().set(null);
        if (!head.keepAlive || framing == ResponseHead.UNTIL_CLOSE) {
            c.reusable = false;
        }
        if (!sent) {
            stopSending();
            c.reusable = false;
            server.setPersistent(false); // answered before the body was read: close rather than drain the rest
        }
        result.complete(Response.builder(status).headers(head.headers).body(body).build());
    }

    private void retryOrFail() {
        if (responded) {
            return;
        }
        boolean replayable = request.body().isBuffered() || request.body().length() == 0;
        boolean nothingReceived = headBytes == 0 && scanned == 0;
        boolean retry = reused && replayable && nothingReceived;
        stopSending();
        closeConnection();
        if (retry) {
            connect(); // a pooled connection the upstream had already closed: once more on a new one
        } else {
            fail(GatewayException.badGateway("upstream " + upstreamName + " closed the connection"));
        }
    }

    private void fail(Throwable failure) {
        if (responded) {
            return;
        }
        responded = true;
        cancelTimer();
        if (connecting != null) {
            connecting.run();
            connecting = null;
        }
        stopSending();
        closeConnection();
        result.completeExceptionally(failure);
    }

    /** Closes the connection; by a reset when the request was not all sent, so it is never taken as whole. */
    private void closeConnection() {
        UpstreamConnection c = connection;
        if (c != null) {
            c.reusable = false;
            c.close(!sent);
        }
    }

    /** Ends the exchange on the connection once the body is done with: reuses the connection, or closes it. */
    void finished(boolean complete) {
        cancelTimer();
        UpstreamConnection c = connection;
        if (complete && sent && c.reusable) {
            pool.release(c);
        } else {
            stopSending();
            c.reusable = false;
            c.close(!sent);
        }
    }

    /** Arms the body idle timeout while the body waits on the upstream. */
    void awaitBody() {
        arm(Duration.ofNanos(bodyIdleNanos), "stalled its response body for ");
    }

    void arm(Duration timeout, String message) {
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
        GatewayException timeout = GatewayException.gatewayTimeout("upstream " + upstreamName + ' ' + lateness
                + Math.max(1, Math.round(timeoutNanos / 1e6)) + " ms");
        if (!responded) {
            fail(timeout);
        } else if (body != null) {
            body.broken(timeout);
        }
        return true;
    }

    private void clientGone() {
        if (!responded) {
            fail(GatewayException.badRequest("the client went away"));
        } else if (body != null) {
            body.abandon();
        }
    }
}
