package dev.portico.examples.mobile;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Iterator;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The in-JVM gRPC server of the order service on an ephemeral loopback port: it takes the caller from the single
 * {@code x-user-id} metadata entry (INVALID_ARGUMENT without one), echoes the W3C trace id it received in the
 * {@code x-trace-id} response header, and applies the demo's delay (no thread sleeps) and failure (INTERNAL).
 */
final class OrderServer implements AutoCloseable {

    private static final Metadata.Key<String> USER_ID = key("x-user-id");
    private static final Metadata.Key<String> TRACEPARENT = key("traceparent");
    private static final Metadata.Key<String> TRACE_ID = key("x-trace-id");
    private static final Context.Key<String> CALLER = Context.key("caller");
    private static final Pattern W3C =
            Pattern.compile("([0-9a-f]{2})-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}(-.*)?");

    private final Server server;
    private final ScheduledExecutorService delays;
    private final long delayMillis;
    private final boolean failing;

    private OrderServer(OrderService service, DemoConfig config) {
        this.delayMillis = config.backendDelay().toMillis();
        this.failing = config.fails("order");
        this.delays = delayMillis == 0 ? null : Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "order-service-delay");
            thread.setDaemon(true);
            return thread;
        });
        try {
            this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0),
                            InsecureServerCredentials.create())
                    .addService(ServerInterceptors.intercept(service, new Interceptor()))
                    .build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("the order service could not start", e);
        }
    }

    /** Starts the order service on a free loopback port. */
    static OrderServer start(OrderService service, DemoConfig config) {
        return new OrderServer(service, config);
    }

    /** Returns the gRPC target, such as {@code dns:///127.0.0.1:40123}. */
    String target() {
        return "dns:///127.0.0.1:" + server.getPort();
    }

    /** Returns the caller of the call being served. */
    static String caller() {
        return CALLER.get();
    }

    @Override
    public void close() {
        server.shutdownNow();
        if (delays != null) {
            delays.shutdownNow();
        }
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Metadata.Key<String> key(String name) {
        return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
    }

    /** Returns the trace id of a single valid W3C {@code traceparent}, or {@code null}. */
    private static String traceId(Metadata headers) {
        Iterable<String> values = headers.getAll(TRACEPARENT);
        if (values == null) {
            return null;
        }
        Iterator<String> all = values.iterator();
        String traceparent = all.next();
        if (all.hasNext()) {
            return null;
        }
        Matcher matcher = W3C.matcher(traceparent.trim());
        if (!matcher.matches() || matcher.group(1).equals("ff") || (matcher.group(1).equals("00") && matcher.group(3) != null)) {
            return null;
        }
        String traceId = matcher.group(2);
        return traceId.equals("00000000000000000000000000000000") ? null : traceId;
    }

    private static String caller(Metadata headers) {
        Iterable<String> values = headers.getAll(USER_ID);
        if (values == null) {
            return null;
        }
        Iterator<String> all = values.iterator();
        String userId = all.next().trim();
        return all.hasNext() || userId.isEmpty() ? null : userId;
    }

    private final class Interceptor implements ServerInterceptor {

        @Override
        public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                          ServerCallHandler<Q, A> next) {
            String traceId = traceId(headers);
            ServerCall<Q, A> traced = traceId == null ? call : new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                private boolean headersSent;

                @Override
                public void sendHeaders(Metadata out) {
                    out.put(TRACE_ID, traceId);
                    headersSent = true;
                    super.sendHeaders(out);
                }

                @Override
                public void close(Status status, Metadata trailers) {
                    if (!headersSent) { // a call that fails sends no headers, only trailers
                        trailers.put(TRACE_ID, traceId);
                    }
                    super.close(status, trailers);
                }
            };
            String caller = caller(headers);
            if (failing || caller == null) {
                Status status = failing ? Status.INTERNAL.withDescription("the order service is failing on purpose")
                        : Status.INVALID_ARGUMENT.withDescription("a single x-user-id is required");
                traced.close(status, new Metadata());
                return new ServerCall.Listener<>() { };
            }
            ServerCall.Listener<Q> listener = Contexts.interceptCall(Context.current().withValue(CALLER, caller),
                    traced, headers, next);
            if (delays == null) {
                return listener;
            }
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
                @Override
                public void onHalfClose() {
                    delays.schedule(() -> {
                        try {
                            super.onHalfClose();
                        } catch (RuntimeException e) {
                            // the call ended meanwhile (its deadline passed, the gateway cancelled it): nobody listens
                        }
                    }, delayMillis, TimeUnit.MILLISECONDS);
                }
            };
        }
    }
}
