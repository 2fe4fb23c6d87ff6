package dev.portico.examples.mobile;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.portico.core.Body;
import dev.portico.core.Context;
import dev.portico.core.GatewayException;
import dev.portico.core.Handler;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.examples.mobile.orders.OrderEvent;
import dev.portico.examples.mobile.orders.OrdersGrpc;
import dev.portico.examples.mobile.orders.WatchOrdersRequest;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /api/orders/events}: the caller's new orders as server-sent events, relayed from the order service's
 * {@code WatchOrders} stream for the user in {@code X-User-Id}. The response starts once the service has registered
 * the watch, so no order placed after the client sees it open is missed; each order is an {@code order-created} event
 * carrying its JSON, a comment line every {@code keepAlive} keeps idle connections open, and a client that goes away
 * cancels the call.
 */
final class OrderEvents implements Handler, AutoCloseable {

    private static final Metadata.Key<String> USER_ID = Metadata.Key.of("x-user-id", Metadata.ASCII_STRING_MARSHALLER);
    private static final JsonFormat.Printer JSON = JsonFormat.printer().omittingInsignificantWhitespace();
    private static final ByteBuffer OPENED = ascii(": watching your orders\n\n");
    private static final ByteBuffer KEEP_ALIVE = ascii(": keep-alive\n\n");
    /** The most events waiting for a slow client; more ends its stream. */
    private static final int MAX_QUEUED = 64;

    private final ManagedChannel channel;
    private final Duration keepAlive;
    private final Duration timeout;
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, runnable -> {
        Thread thread = new Thread(runnable, "order-events-keep-alive");
        thread.setDaemon(true);
        return thread;
    });

    /** Events from the order service at this gRPC target; {@code timeout} bounds the wait for the watch to start. */
    OrderEvents(String target, Duration keepAlive, Duration timeout) {
        this.channel = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
        this.keepAlive = keepAlive;
        this.timeout = timeout;
        timer.setRemoveOnCancelPolicy(true); // an ended stream's keep-alive goes at once
    }

    /** Returns how many streams' keep-alives are scheduled: one for each stream still open. */
    int keepAlives() {
        return timer.getQueue().size();
    }

    @Override
    public CompletionStage<Response> handle(Request request, Context context) {
        String user = request.header("X-User-Id"); // set by the route's JwtAuth; a client's own is always removed
        if (user == null) {
            return CompletableFuture.failedFuture(new GatewayException(401, "unauthorized", "a token is required"));
        }
        Stream stream = new Stream();
        Metadata headers = new Metadata();
        headers.put(USER_ID, user);
        stream.call.start(stream, headers);
        stream.call.request(1);
        stream.call.sendMessage(WatchOrdersRequest.getDefaultInstance());
        stream.call.halfClose();
        stream.opened.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((ok, failure) -> {
            if (failure != null) {
                stream.call.cancel("the watch did not start", null);
            }
        });
        return stream.opened.exceptionallyCompose(failure -> CompletableFuture.failedFuture(
                failure instanceof GatewayException refused ? refused
                        : GatewayException.gatewayTimeout("the order service did not start the stream in time")));
    }

    @Override
    public void close() {
        timer.shutdownNow();
        channel.shutdownNow();
    }

    private static ByteBuffer ascii(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)).asReadOnlyBuffer();
    }

    /** One client's stream: the gRPC call's listener, and the publisher of the response's chunks. */
    private final class Stream extends ClientCall.Listener<OrderEvent> implements Flow.Publisher<ByteBuffer>, Flow.Subscription {
        final ClientCall<WatchOrdersRequest, OrderEvent> call = channel.newCall(OrdersGrpc.getWatchOrdersMethod(), CallOptions.DEFAULT);
        final CompletableFuture<Response> opened = new CompletableFuture<>();
        private final Queue<ByteBuffer> queued = new ArrayDeque<>();
        private Flow.Subscriber<? super ByteBuffer> subscriber;
        private ScheduledFuture<?> keepingAlive;
        private long demand;
        private boolean ended;
        private Throwable failure;
        private boolean delivering;
        private boolean done;

        @Override
        public void onMessage(OrderEvent event) {
            if (event.hasWatching()) {
                offer(OPENED.duplicate());
                opened.complete(Response.builder(200)
                        .header("Content-Type", "text/event-stream")
                        .header("Cache-Control", "no-cache")
                        .body(Body.of(this, -1))
                        .build());
            } else if (event.hasCreated()) {
                try {
                    offer(ByteBuffer.wrap(("event: order-created\ndata: " + JSON.print(event.getCreated()) + "\n\n")
                            .getBytes(StandardCharsets.UTF_8)));
                } catch (InvalidProtocolBufferException e) {
                    throw new IllegalStateException("an order the printer cannot write", e);
                }
            }
            call.request(1);
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            if (!opened.isDone()) {
                opened.completeExceptionally(status.getCode() == Status.Code.UNAVAILABLE
                        ? GatewayException.serviceUnavailable("the order service is unavailable")
                        : GatewayException.badGateway("the order service failed (" + status.getCode() + ")"));
            }
            end(status.isOk() ? null : status.asRuntimeException());
        }

        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> s) {
            synchronized (this) {
                if (subscriber != null) {
                    s.onSubscribe(this);
                    s.onError(new IllegalStateException("the event stream has a subscriber already"));
                    return;
                }
                subscriber = s;
            }
            s.onSubscribe(this);
            ScheduledFuture<?> keeping = timer.scheduleAtFixedRate(() -> offer(KEEP_ALIVE.duplicate()),
                    keepAlive.toMillis(), keepAlive.toMillis(), TimeUnit.MILLISECONDS);
            boolean endedFirst;
            synchronized (this) {
                keepingAlive = keeping;
                endedFirst = ended; // cancelled in onSubscribe (a HEAD's body is discarded so): end() saw no task
            }
            if (endedFirst) {
                keeping.cancel(false);
            }
            deliver();
        }

        @Override
        public void request(long n) {
            synchronized (this) {
                demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
            }
            deliver();
        }

        @Override
        public void cancel() {
            end(null);
            call.cancel("the client went away", null);
        }

        private void offer(ByteBuffer chunk) {
            boolean overflow;
            synchronized (this) {
                if (ended) {
                    return;
                }
                queued.add(chunk);
                overflow = queued.size() > MAX_QUEUED;
            }
            if (overflow) {
                call.cancel("the client reads too slowly", null);
            }
            deliver();
        }

        private void end(Throwable cause) {
            ScheduledFuture<?> keeping;
            synchronized (this) {
                if (ended) {
                    return;
                }
                ended = true;
                failure = cause;
                keeping = keepingAlive;
            }
            if (keeping != null) {
                keeping.cancel(false);
            }
            deliver();
        }

        /** Hands queued chunks to the subscriber as it asks, one thread at a time, then the end once all are out. */
        private void deliver() {
            while (true) {
                ByteBuffer next;
                Flow.Subscriber<? super ByteBuffer> to;
                boolean finished;
                synchronized (this) {
                    if (delivering || done || subscriber == null) {
                        return;
                    }
                    to = subscriber;
                    next = demand > 0 ? queued.poll() : null;
                    finished = next == null && ended && queued.isEmpty();
                    if (next == null && !finished) {
                        return;
                    }
                    if (next != null) {
                        demand--;
                    } else {
                        done = true;
                    }
                    delivering = true;
                }
                try {
                    if (next != null) {
                        to.onNext(next);
                    } else if (failure == null) {
                        to.onComplete();
                    } else {
                        to.onError(failure);
                    }
                } finally {
                    synchronized (this) {
                        delivering = false;
                    }
                }
            }
        }
    }
}
