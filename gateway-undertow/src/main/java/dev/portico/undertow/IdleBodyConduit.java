package dev.portico.undertow;

import dev.portico.core.GatewayException;
import dev.portico.undertow.internal.server.ClientConnections;
import io.undertow.server.HttpServerExchange;
import org.xnio.XnioExecutor;
import org.xnio.conduits.StreamSourceConduit;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A request body source that ends the exchange when the client sends nothing for the idle timeout while the gateway
 * waits for its body: 408 if the response has not started, else a closed connection. Undertow's own idle timeout
 * does not cover a body read (2.4.4 installs its {@code IdleTimeoutConduit} without ever giving it the timeout).
 * A pause counts from the last byte or from when reading resumed, whichever is later, so time the gateway spent not
 * reading (backpressure from the upstream) is not held against the client. Used on the exchange's IO thread only.
 */
final class IdleBodyConduit extends ReadObservingConduit implements Runnable {

    private final HttpServerExchange exchange;
    private final long idleNanos;
    private final Answering answering;
    private long since;
    private long bytesRead;
    private boolean waiting;
    private boolean ended;
    private XnioExecutor.Key timer;

    IdleBodyConduit(StreamSourceConduit next, HttpServerExchange exchange, Duration idleTimeout, Answering answering) {
        super(next);
        this.exchange = exchange;
        this.idleNanos = idleTimeout.toNanos();
        this.answering = answering;
        exchange.addExchangeCompleteListener((ex, nextListener) -> {
            end();
            nextListener.proceed();
        });
    }

    /** Returns how many body bytes were read from the client. */
    long bytesRead() {
        return bytesRead;
    }

    @Override
    void read(long result) {
        if (result > 0) {
            bytesRead += result;
            since = System.nanoTime();
        } else if (result < 0) {
            end(); // the whole body has been read
        }
    }

    @Override
    public void resumeReads() {
        awaitClient();
        next.resumeReads();
    }

    @Override
    public void wakeupReads() {
        awaitClient();
        next.wakeupReads();
    }

    @Override
    public void suspendReads() {
        waiting = false;
        next.suspendReads();
    }

    @Override
    public void terminateReads() throws IOException {
        end();
        next.terminateReads();
    }

    private void awaitClient() {
        if (ended) {
            return;
        }
        if (!waiting) {
            waiting = true;
            since = System.nanoTime();
        }
        if (timer == null) {
            timer = exchange.getIoThread().executeAfter(this, idleNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Checks the pause when the timer fires: ends the exchange, waits for the rest of it, or lets the timer go. */
    @Override
    public void run() {
        timer = null;
        if (ended || !waiting) {
            return;
        }
        long left = idleNanos - (System.nanoTime() - since);
        if (left > 0) {
            timer = exchange.getIoThread().executeAfter(this, left, TimeUnit.NANOSECONDS);
            return;
        }
        end();
        if (exchange.isResponseStarted()) {
            ClientConnections.abort(exchange);
        } else {
            exchange.setPersistent(false);
            PorticoHandler.write(exchange, PorticoHandler.error(answering, new GatewayException(408, "request_timeout",
                    "the request body stalled for more than " + Math.max(1, idleNanos / 1_000_000) + " ms")), answering);
        }
    }

    private void end() {
        ended = true;
        waiting = false;
        if (timer != null) {
            timer.remove();
            timer = null;
        }
    }
}
