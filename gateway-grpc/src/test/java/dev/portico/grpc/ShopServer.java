package dev.portico.grpc;

import dev.portico.grpc.test.shop.CreateItemRequest;
import dev.portico.grpc.test.shop.EchoReply;
import dev.portico.grpc.test.shop.EchoRequest;
import dev.portico.grpc.test.shop.Empty;
import dev.portico.grpc.test.shop.FailRequest;
import dev.portico.grpc.test.shop.GetItemRequest;
import dev.portico.grpc.test.shop.Item;
import dev.portico.grpc.test.shop.ListItemsRequest;
import dev.portico.grpc.test.shop.Shelf;
import dev.portico.grpc.test.shop.ShopGrpc;
import dev.portico.grpc.test.shop.UpdateItemRequest;
import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real grpc-java server of the test Shop on a free loopback port: it counts the calls and connections it gets,
 * echoes metadata (and an {@code Echo}'s data, with the count of its numbers), sends {@code x-served-by} as a header
 * and {@code x-trailer} as a trailer on every call, and its {@code ListItems} can hold its later messages until the
 * test releases them.
 */
final class ShopServer implements AutoCloseable {

    private static final Context.Key<Metadata> METADATA = Context.key("metadata");

    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger connections = new AtomicInteger();
    private final Map<String, Gate> gates = new ConcurrentHashMap<>();
    final CountDownLatch hold = new CountDownLatch(1);
    final CountDownLatch cancelled = new CountDownLatch(1);
    private final Server server;

    ShopServer() {
        ServerInterceptor interceptor = new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                              ServerCallHandler<Q, A> next) {
                calls.incrementAndGet();
                ServerCall<Q, A> decorated = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    public void sendHeaders(Metadata out) {
                        out.put(key("x-served-by"), "shop");
                        super.sendHeaders(out);
                    }

                    @Override
                    public void close(Status status, Metadata trailers) {
                        trailers.put(key("x-trailer"), "done");
                        super.close(status, trailers);
                    }
                };
                return Contexts.interceptCall(Context.current().withValue(METADATA, headers), decorated, headers, next);
            }
        };
        try {
            server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                    .addService(ServerInterceptors.intercept(new Shop(), interceptor))
                    .addTransportFilter(new ServerTransportFilter() {
                        @Override
                        public Attributes transportReady(Attributes attributes) {
                            connections.incrementAndGet();
                            return attributes;
                        }
                    })
                    .build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Metadata.Key<String> key(String name) {
        return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
    }

    int port() {
        return server.getPort();
    }

    /** Returns the gate of the {@code wait} streams on this shelf. */
    Gate gate(String shelf) {
        return gates.computeIfAbsent(shelf, name -> new Gate(new CountDownLatch(1), new CountDownLatch(1)));
    }

    /**
     * What a {@code ListItems} with {@code wait} on one shelf waits for: it sends its first message, waits for
     * {@code release} before the others, and counts down {@code lastSent} once it has sent its last.
     */
    record Gate(CountDownLatch release, CountDownLatch lastSent) {
    }

    String target() {
        return "dns:///127.0.0.1:" + port();
    }

    @Override
    public void close() {
        gates.values().forEach(gate -> gate.release().countDown());
        hold.countDown();
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Shop extends ShopGrpc.ShopImplBase {

        @Override
        public void getItem(GetItemRequest request, StreamObserver<Item> replies) {
            if (request.getId() == 404) {
                replies.onError(Status.NOT_FOUND.withDescription("no item 404 on " + request.getShelf()).asRuntimeException());
                return;
            }
            replies.onNext(Item.newBuilder().setId(request.getId()).setShelf(request.getShelf())
                    .setDisplayName("item " + request.getId()).build());
            replies.onCompleted();
        }

        @Override
        public void createItem(CreateItemRequest request, StreamObserver<Item> replies) {
            Item.Builder item = request.getItem().toBuilder().setShelf(request.getShelf());
            if (item.getId() == 0) {
                item.setId(7);
            }
            if (request.getDryRun()) {
                item.addTags("dry-run");
            }
            replies.onNext(item.build());
            replies.onCompleted();
        }

        @Override
        public void updateItem(UpdateItemRequest request, StreamObserver<Item> replies) {
            replies.onNext(request.getItem());
            replies.onCompleted();
        }

        @Override
        public void deleteItem(GetItemRequest request, StreamObserver<Empty> replies) {
            replies.onNext(Empty.getDefaultInstance());
            replies.onCompleted();
        }

        @Override
        public void listItems(ListItemsRequest request, StreamObserver<Item> replies) {
            if (request.getShelf().equals("hold")) { // one message; once released, one every 50 ms until cancelled
                Context.current().addListener(context -> cancelled.countDown(), Runnable::run);
                replies.onNext(Item.newBuilder().setId(1).build());
                try {
                    hold.await(20, TimeUnit.SECONDS);
                    for (int i = 2; i < 200 && !Context.current().isCancelled(); i++) {
                        replies.onNext(Item.newBuilder().setId(i).build());
                        Thread.sleep(50);
                    }
                } catch (InterruptedException | RuntimeException e) {
                    return; // cancelled
                }
                return;
            }
            for (int i = 1; i <= request.getCount(); i++) {
                if (i == 2 && request.getWait()) {
                    try {
                        if (!gate(request.getShelf()).release().await(20, TimeUnit.SECONDS)) {
                            replies.onError(Status.ABORTED.withDescription("never released").asRuntimeException());
                            return;
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                replies.onNext(Item.newBuilder().setId(i).setShelf(request.getShelf()).setDisplayName("item " + i).build());
            }
            if (request.getWait()) {
                gate(request.getShelf()).lastSent().countDown();
            }
            if (request.getShelf().equals("broken")) {
                replies.onError(Status.DATA_LOSS.withDescription("the shelf broke").asRuntimeException());
                return;
            }
            replies.onCompleted();
        }

        @Override
        public void getShelf(GetItemRequest request, StreamObserver<Shelf> replies) {
            Shelf.Builder shelf = Shelf.newBuilder().setName(request.getShelf());
            if (request.getShelf().equals("huge")) { // over the 4 MiB a grpc-java channel takes by default
                shelf.setFeatured(Item.newBuilder().setDisplayName("x".repeat(5 * 1024 * 1024)));
            } else if (!request.getShelf().equals("empty")) {
                shelf.addItems(Item.newBuilder().setId(1).setDisplayName("one").addTags("a").addTags("b"))
                        .addItems(Item.newBuilder().setId(2).setDisplayName("two"))
                        .setFeatured(Item.newBuilder().setId(1).setDisplayName("one"));
            }
            replies.onNext(shelf.build());
            replies.onCompleted();
        }

        @Override
        public void echo(EchoRequest request, StreamObserver<EchoReply> replies) {
            if (request.getDelayMs() > 0) {
                try {
                    Thread.sleep(request.getDelayMs());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Metadata headers = METADATA.get();
            EchoReply.Builder reply = EchoReply.newBuilder().setText(request.getText())
                    .setNumberCount(request.getNumbersCount());
            if (request.hasData()) {
                reply.setData(request.getData());
            }
            for (String name : request.getHeaderNamesList()) {
                Iterable<String> values = headers.getAll(key(name));
                if (values != null) {
                    reply.putMetadata(name, String.join(",", values));
                }
            }
            if (Context.current().getDeadline() != null) {
                reply.setDeadlineMs(Context.current().getDeadline().timeRemaining(TimeUnit.MILLISECONDS));
            }
            replies.onNext(reply.build());
            replies.onCompleted();
        }

        @Override
        public void fail(FailRequest request, StreamObserver<Empty> replies) {
            replies.onError(Status.Code.valueOf(request.getCode()).toStatus().withDescription(request.getMessage())
                    .asRuntimeException());
        }
    }
}
