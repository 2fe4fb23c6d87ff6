package dev.portico.undertow;

import dev.portico.core.Body;
import dev.portico.core.GatewayException;
import dev.portico.undertow.internal.client.ResponseEnd;
import dev.portico.undertow.internal.server.ClientConnections;
import io.undertow.server.HttpServerExchange;
import org.xnio.XnioExecutor;
import org.xnio.channels.StreamSinkChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * Streams any {@link Body} to the client's response as its publisher delivers it: one chunk asked for at a time, the
 * next once the previous one is written and flushed, so a slow client slows the publisher and nothing waits on an IO
 * thread. A publisher that fails before the first byte gets an error response (its own {@link GatewayException}, or
 * 502); later, or when it publishes another number of bytes than its length, the connection is closed. A publisher
 * that sends nothing for the stall timeout is cancelled the same way (504 before the first byte).
 */
final class BodyStreamer implements Flow.Subscriber<ByteBuffer>, Runnable {

    private static final System.Logger LOG = System.getLogger(BodyStreamer.class.getName());

    private final HttpServerExchange exchange;
    private final long length;
    private final Answering answering;
    /** How long the body may send nothing: the gateway's {@code bodyIdleTimeout}. */
    private final long stallNanos;
    private Flow.Subscription subscription;
    private StreamSinkChannel sink;
    private ByteBuffer pending;
    private long written;
    private boolean finished;
    private boolean ending;
    private boolean requesting;
    private boolean requestAgain;
    private XnioExecutor.Key timer;
    private boolean waiting;
    private long since;

    private BodyStreamer(HttpServerExchange exchange, long length, Answering answering) {
        this.exchange = exchange;
        this.length = length;
        this.answering = answering;
        this.stallNanos = answering.stallTimeout.toNanos();
    }

    /** Streams the body as the response's; the status and headers are set. Call on the exchange's IO thread. */
    static void stream(HttpServerExchange exchange, Body body, Answering answering) {
        BodyStreamer streamer = new BodyStreamer(exchange, body.length(), answering);
        exchange.addExchangeCompleteListener((ex, next) -> {
            streamer.onIoThread(streamer::exchangeEnded);
            next.proceed();
        });
        streamer.arm();
        body.subscribe(streamer);
    }

    private void onIoThread(Runnable task) {
        if (exchange.isInIoThread()) {
            task.run();
        } else {
            exchange.getIoThread().execute(task);
        }
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        onIoThread(() -> {
            if (finished || subscription != null) {
                s.cancel();
                return;
            }
            subscription = s;
            requestChunk();
        });
    }

    @Override
    public void onNext(ByteBuffer chunk) {
        onIoThread(() -> chunk(chunk));
    }

    @Override
    public void onError(Throwable failure) {
        onIoThread(() -> failed(failure));
    }

    @Override
    public void onComplete() {
        onIoThread(this::completed);
    }

    /** Asks for one chunk; a publisher that answers at once is looped, not nested. */
    private void requestChunk() {
        if (requesting) {
            requestAgain = true;
            return;
        }
        requesting = true;
        try {
            do {
                requestAgain = false;
                arm();
                subscription.request(1);
            } while (requestAgain && !finished);
        } finally {
            requesting = false;
        }
    }

    private void chunk(ByteBuffer chunk) {
        if (finished || ending) {
            return;
        }
        if (pending != null) {
            abort("published a chunk it was not asked for");
            return;
        }
        disarm();
        written += chunk.remaining();
        if (length >= 0 && written > length) {
            abort("published more than its length, " + length + " bytes");
            return;
        }
        if (sink == null) {
            sink = exchange.getResponseChannel();
        }
        pending = chunk;
        writePending();
    }

    /** Writes and flushes the pending chunk, waiting for the client when its socket is full; then asks for more. */
    private void writePending() {
        if (finished) {
            return;
        }
        try {
            while (pending.hasRemaining()) {
                if (sink.write(pending) == 0) {
                    awaitClient();
                    return;
                }
            }
            if (!sink.flush()) {
                awaitClient();
                return;
            }
        } catch (IOException e) {
            abort(null);
            return;
        }
        sink.suspendWrites();
        sink.getWriteSetter().set(null);
        pending = null;
        if (ending) {
            finishResponse(); // the publisher completed while its last chunk was being written
        } else {
            requestChunk();
        }
    }

    /** The client is slow: wait for it, without the stall timeout, which is the publisher's. */
    private void awaitClient() {
        sink.getWriteSetter().set(channel -> writePending());
        sink.resumeWrites();
    }

    private void completed() {
        if (finished || ending) {
            return;
        }
        if (pending != null) {
            ending = true; // the last chunk is still being written: end once it is out
            return;
        }
        finishResponse();
    }

    private void finishResponse() {
        finished = true;
        disarm();
        if (length >= 0 && written != length) {
            abort("published " + written + " bytes for a length of " + length);
            return;
        }
        if (sink == null) {
            sink = exchange.getResponseChannel();
        }
        ResponseEnd.end(exchange, sink);
    }

    private void failed(Throwable failure) {
        if (finished) {
            return;
        }
        finished = true;
        disarm();
        GatewayException error = failure instanceof GatewayException g ? g : null;
        if (error == null) {
            LOG.log(System.Logger.Level.ERROR, "a response body failed", failure);
            error = GatewayException.badGateway("the response body could not be read");
        }
        answerOrClose(error);
    }

    private void answerOrClose(GatewayException error) {
        if (sink == null && !exchange.isResponseStarted()) {
            exchange.getResponseHeaders().clear();
            PorticoHandler.write(exchange, PorticoHandler.error(answering, error), answering);
        } else {
            ClientConnections.abort(exchange);
        }
    }

    /** Ends a response whose body broke its framing: the client sees a closed connection, never a wrong body. */
    private void abort(String why) {
        if (why != null) {
            LOG.log(System.Logger.Level.WARNING, "a response body " + why + "; closing the connection");
        }
        finished = true;
        disarm();
        cancel();
        ClientConnections.abort(exchange);
    }

    private void exchangeEnded() {
        if (!finished) {
            finished = true;
            disarm();
            cancel();
        }
    }

    private void cancel() {
        if (subscription != null) {
            subscription.cancel();
        }
    }

    /** Starts counting a wait for the publisher; one timer serves every wait, as in {@link IdleBodyConduit}. */
    private void arm() {
        if (finished) {
            return;
        }
        waiting = true;
        since = System.nanoTime();
        if (timer == null) {
            timer = exchange.getIoThread().executeAfter(this, stallNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void disarm() {
        waiting = false;
        if (finished && timer != null) {
            timer.remove();
            timer = null;
        }
    }

    /** The stall timeout passed: the publisher sent nothing. */
    @Override
    public void run() {
        timer = null;
        if (finished || !waiting) {
            return;
        }
        long left = stallNanos - (System.nanoTime() - since);
        if (left > 0) {
            timer = exchange.getIoThread().executeAfter(this, left, TimeUnit.NANOSECONDS);
            return;
        }
        finished = true;
        cancel();
        answerOrClose(GatewayException.gatewayTimeout("the response body stalled for more than "
                + Math.max(1, stallNanos / 1_000_000) + " ms"));
    }
}
