package dev.portico.undertow;

import dev.portico.core.Body;
import dev.portico.core.GatewayException;
import dev.portico.core.Request;
import dev.portico.core.spi.CallOptions;
import dev.portico.core.spi.Endpoint;
import dev.portico.core.upstream.CallOutcome;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import org.xnio.channels.StreamSourceChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes one request to an upstream connection: the head, framed by a length or as chunks, then the body, streamed
 * from the client with backpressure both ways or written from memory; it stops the moment the call no longer needs
 * the rest (an early answer, a failure), and tells the call when the whole request was sent.
 */
final class RequestWriter {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = {'0', '\r', '\n', '\r', '\n'};

    private final UpstreamCall call;
    private final UpstreamConnection connection;
    private final HttpServerExchange server;
    private final Request request;
    private final Endpoint endpoint;
    private final CallOptions options;
    private ByteBuffer[] out;
    private StreamSourceChannel clientBody;
    private PooledByteBuffer pumped;
    private ByteBuffer unsentHead;
    private boolean chunkedUpload;
    private long uploadLeft;
    private boolean sent;
    private boolean stopped;

    RequestWriter(UpstreamCall call, UpstreamConnection connection, HttpServerExchange server, Request request,
                  Endpoint endpoint, CallOptions options) {
        this.call = call;
        this.connection = connection;
        this.server = server;
        this.request = request;
        this.endpoint = endpoint;
        this.options = options;
    }

    /** Returns whether the whole request was written. */
    boolean isSent() {
        return sent;
    }

    /** Starts writing; call once, on the connection's IO thread. */
    void start() throws IOException {
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
            b.bytes(options.maxRequestBody()).whenComplete((bytes, failure) -> call.onIoThread(() -> call.guarded(() -> {
                if (stopped) {
                    return;
                }
                if (failure != null) {
                    call.fail(failure, CallOutcome.Kind.CANCELLED);
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
                c.sink.getWriteSetter().set(channel -> call.guarded(this::writeOut));
                c.sink.resumeWrites();
                if (clientBody != null) {
                    clientBody.suspendReads();
                }
                // an upstream that stops reading the request is bounded like one that does not answer
                call.arm(options.responseTimeout(), "stopped reading the request for ");
                return false;
            }
        }
        call.cancelTimer();
        c.sink.suspendWrites();
        out = null;
        return true;
    }

    /** Copies the client's body to the upstream, framing it as chunks when its length was not known. */
    private void pump() throws IOException {
        while (!stopped) {
            if (out != null && !write()) {
                return;
            }
            if (pumped == null) {
                pumped = connection.buffers().allocate();
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
                clientBody.getReadSetter().set(channel -> call.guarded(this::pump));
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
        call.fail(e instanceof RequestTooBigException
                ? GatewayException.payloadTooLarge(options.maxRequestBody())
                : GatewayException.badRequest("the request body could not be read"), CallOutcome.Kind.CANCELLED);
    }

    private void requestSent() throws IOException {
        UpstreamConnection c = connection;
        if (!c.sink.flush()) {
            c.sink.getWriteSetter().set(channel -> call.guarded(this::requestSent));
            c.sink.resumeWrites();
            return;
        }
        c.sink.suspendWrites();
        sent = true;
        UpstreamCall.step(UpstreamCall.Step.REQUEST_SENT);
        call.requestSent();
    }

    /** Stops sending the request: the upstream answered before it had all of it, or the call ended. */
    void stop() {
        stopped = true;
        if (clientBody != null) {
            clientBody.suspendReads();
            clientBody.getReadSetter().set(null);
            clientBody = null;
        }
        freePump();
        connection.sink.suspendWrites();
        connection.sink.getWriteSetter().set(null);
    }

    private void freePump() {
        if (pumped != null) {
            pumped.close();
            pumped = null;
        }
    }
}
