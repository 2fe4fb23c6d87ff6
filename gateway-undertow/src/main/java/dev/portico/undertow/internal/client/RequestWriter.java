package dev.portico.undertow.internal.client;

import dev.portico.core.Body;
import dev.portico.core.GatewayException;
import dev.portico.core.Request;
import dev.portico.core.internal.body.BufferedBody;
import dev.portico.core.spi.CallOptions;
import dev.portico.core.upstream.Endpoint;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.RequestTooBigException;
import org.xnio.channels.StreamSourceChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Flow;

/**
 * Writes one request to an upstream connection: the head, framed by a length or as chunks, then the body: streamed
 * from the client with backpressure both ways, written from memory, or, for any other body, taken from its publisher
 * one chunk at a time, the next asked for once the last is written (a publisher that sends nothing for the time left
 * to the route ends the call with 504). It stops the moment the call no longer needs the rest (an early answer, a
 * failure), and tells the call when the whole request was sent.
 */
final class RequestWriter {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = {'0', '\r', '\n', '\r', '\n'};
    private static final byte[] HTTP11 = " HTTP/1.1\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] CONTENT_LENGTH = "Content-Length: ".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] CHUNKED = "Transfer-Encoding: chunked\r\n".getBytes(StandardCharsets.ISO_8859_1);

    private final UpstreamCall call;
    private final UpstreamConnection connection;
    private final ClientBodySource bodies;
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
    private boolean streaming;
    private Flow.Subscription subscription;
    private long bodyLength;
    private long published;
    private boolean bodyEnded;
    private boolean requesting;
    private boolean requestAgain;

    RequestWriter(UpstreamCall call, UpstreamConnection connection, ClientBodySource bodies, Request request,
                  Endpoint endpoint, CallOptions options) {
        this.call = call;
        this.connection = connection;
        this.bodies = bodies;
        this.request = request;
        this.endpoint = endpoint;
        this.options = options;
    }

    /** Returns whether the whole request was written. */
    boolean isSent() {
        return sent;
    }

    /** Starts writing, unless stopped first (then the body is given up); call once, on the connection's IO thread. */
    void start() throws IOException {
        Body b = request.body();
        if (stopped) {
            b.discard();
            return;
        }
        StreamSourceChannel streamed = b.length() != 0 && bodies != null ? bodies.open(b, options.maxRequestBody()) : null;
        if (streamed != null) {
            clientBody = streamed;
            chunkedUpload = b.length() < 0;
            uploadLeft = b.length();
            unsentHead = head(b.length());
            pump();
        } else if (b.length() == 0) {
            b.discard(); // nothing of it is sent: an upstream body behind it is drained, a publisher cancelled
            out = new ByteBuffer[] {head(0)};
            writeOut();
        } else if (b instanceof BufferedBody buffered) {
            if (buffered.length() > options.maxRequestBody()) {
                call.requestFailed(GatewayException.payloadTooLarge(options.maxRequestBody()));
                return;
            }
            out = new ByteBuffer[] {head(buffered.length()), ByteBuffer.wrap(buffered.array())};
            writeOut();
        } else {
            stream(b);
        }
    }

    /** Sends the head, then any body chunk by chunk as its publisher delivers them, on this IO thread. */
    private void stream(Body b) throws IOException {
        streaming = true;
        bodyLength = b.length();
        chunkedUpload = bodyLength < 0;
        out = new ByteBuffer[] {head(bodyLength)};
        b.subscribe(new Flow.Subscriber<ByteBuffer>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                call.onIoThread(() -> call.guarded(() -> subscribed(s)));
            }

            @Override
            public void onNext(ByteBuffer chunk) {
                call.onIoThread(() -> call.guarded(() -> chunk(chunk)));
            }

            @Override
            public void onError(Throwable failure) {
                call.onIoThread(() -> call.guarded(() -> bodyFailed(failure)));
            }

            @Override
            public void onComplete() {
                call.onIoThread(() -> call.guarded(RequestWriter.this::bodyComplete));
            }
        });
        if (out != null && !stopped) {
            writeOut();
        }
    }

    private void subscribed(Flow.Subscription s) {
        if (stopped || subscription != null) {
            s.cancel();
            return;
        }
        subscription = s;
        if (out == null && !bodyEnded) {
            requestChunk();
        }
    }

    /** Asks the body for one chunk, bounded by the time left; a publisher that answers at once is looped, not nested. */
    private void requestChunk() {
        if (requesting) {
            requestAgain = true;
            return;
        }
        requesting = true;
        try {
            do {
                requestAgain = false;
                awaitBody();
                subscription.request(1);
            } while (requestAgain && !stopped && !bodyEnded);
        } finally {
            requesting = false;
        }
    }

    private void awaitBody() {
        call.armForBody(options.responseTimeout());
    }

    private void chunk(ByteBuffer chunk) throws IOException {
        if (stopped || bodyEnded) {
            return;
        }
        if (out != null) {
            call.requestFailed(new IllegalStateException("the request body published a chunk it was not asked for"));
            return;
        }
        call.cancelTimer();
        published += chunk.remaining();
        if (bodyLength >= 0 && published > bodyLength) {
            call.requestFailed(new IllegalStateException("the request body is longer than its length, " + bodyLength + " bytes"));
            return;
        }
        if (published > options.maxRequestBody()) {
            call.requestFailed(GatewayException.payloadTooLarge(options.maxRequestBody()));
            return;
        }
        if (!chunk.hasRemaining()) {
            requestChunk();
            return;
        }
        out = chunkedUpload
                ? framed(ByteBuffer.wrap((Integer.toHexString(chunk.remaining()) + "\r\n").getBytes(StandardCharsets.ISO_8859_1)), chunk)
                : framed(chunk, null);
        writeOut();
    }

    private void bodyComplete() throws IOException {
        if (stopped || bodyEnded) {
            return;
        }
        bodyEnded = true;
        call.cancelTimer();
        if (bodyLength >= 0 && published != bodyLength) {
            call.requestFailed(new IllegalStateException("the request body is shorter than its length, " + bodyLength + " bytes"));
            return;
        }
        if (out == null) {
            finishBody();
        } // else the last chunk (or the head) is still being written, and writeOut finishes the body after it
    }

    /** Ends a published body: the last chunk when it was framed as chunks, then the request is sent. */
    private void finishBody() throws IOException {
        if (chunkedUpload) {
            chunkedUpload = false;
            out = new ByteBuffer[] {ByteBuffer.wrap(LAST_CHUNK)};
            writeOut();
        } else {
            requestSent();
        }
    }

    private void bodyFailed(Throwable failure) {
        if (stopped || bodyEnded) {
            return;
        }
        bodyEnded = true;
        call.requestFailed(failure);
    }

    /**
     * Returns the request head, framed by {@code length}: a Content-Length, or chunked when it is negative. It is
     * encoded straight into one array of its exact size; a character beyond Latin-1, which only a filter could have
     * set, goes out as {@code ?}, never as its low byte.
     */
    private ByteBuffer head(long length) {
        String method = request.method();
        String base = endpoint.basePath();
        String target = request.target();
        dev.portico.core.Headers headers = request.headers();
        boolean declared = length > 0 || (length == 0 && expectsBody(method));
        String digits = declared ? Long.toString(length) : null;
        int size = method.length() + 1 + base.length() + target.length() + HTTP11.length + CRLF.length;
        for (int i = 0; i < headers.size(); i++) {
            String name = headers.name(i);
            if (!isFraming(name)) {
                size += name.length() + 2 + headers.value(i).length() + CRLF.length;
            }
        }
        size += declared ? CONTENT_LENGTH.length + digits.length() + CRLF.length : length < 0 ? CHUNKED.length : 0;
        byte[] bytes = new byte[size];
        int at = put(bytes, put(bytes, put(bytes, 0, method), " "), base);
        at = put(bytes, put(bytes, at, target), HTTP11);
        for (int i = 0; i < headers.size(); i++) {
            String name = headers.name(i);
            if (!isFraming(name)) {
                at = put(bytes, put(bytes, put(bytes, put(bytes, at, name), ": "), headers.value(i)), CRLF);
            }
        }
        if (declared) {
            at = put(bytes, put(bytes, put(bytes, at, CONTENT_LENGTH), digits), CRLF);
        } else if (length < 0) {
            at = put(bytes, at, CHUNKED);
        }
        put(bytes, at, CRLF);
        return ByteBuffer.wrap(bytes);
    }

    /** Returns whether a field frames the body, which the writer sets itself. */
    private static boolean isFraming(String name) {
        int first = name.isEmpty() ? 0 : name.charAt(0) | 0x20; // rules out nearly every other name at once
        return first == 'c' && name.length() == 14 && name.equalsIgnoreCase("Content-Length")
                || first == 't' && name.length() == 17 && name.equalsIgnoreCase("Transfer-Encoding");
    }

    private static int put(byte[] bytes, int at, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            bytes[at++] = c <= 0xff ? (byte) c : (byte) '?';
        }
        return at;
    }

    private static int put(byte[] bytes, int at, byte[] text) {
        System.arraycopy(text, 0, bytes, at, text.length);
        return at + text.length;
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
        } else if (streaming && !bodyEnded) {
            if (subscription != null) {
                requestChunk();
            } else {
                awaitBody(); // the body has not even subscribed yet
            }
        } else if (streaming && chunkedUpload) {
            finishBody();
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
            if (!chunkedUpload && uploadLeft < data.remaining()) {
                data.limit((int) uploadLeft + 1); // one byte past the length is enough to see an overrun
            }
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
            if (!chunkedUpload && read > uploadLeft) {
                // HTTP/2 checks a stream's content-length only at its end: the bytes past it would reach the
                // upstream as a request of the client's making (H2.CL smuggling), so none of them is written
                call.requestFailed(GatewayException.badRequest("the request body is longer than its Content-Length"));
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
        call.requestFailed(e instanceof RequestTooBigException
                ? GatewayException.payloadTooLarge(options.maxRequestBody())
                : GatewayException.badRequest("the request body could not be read"));
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
        if (subscription != null && !bodyEnded) {
            bodyEnded = true;
            subscription.cancel();
        }
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
