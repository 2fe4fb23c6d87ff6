package dev.portico.examples.mobile;

import com.google.protobuf.Value;
import dev.portico.examples.mobile.orders.CreateOrderRequest;
import dev.portico.examples.mobile.orders.ListOrdersRequest;
import dev.portico.examples.mobile.orders.ListOrdersResponse;
import dev.portico.examples.mobile.orders.OrderEvent;
import dev.portico.examples.mobile.orders.OrdersGrpc;
import dev.portico.examples.mobile.orders.WatchOrdersRequest;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;


/**
 * The order service, in gRPC: {@code ListOrders} lists the orders of the caller that {@link OrderServer} read from
 * the {@code x-user-id} metadata, and {@code CreateOrder} places one for that caller after checking the input as
 * strictly as the REST service did (a string {@code productId} of the catalog, an integer {@code quantity} from 1 to
 * {@value #MAX_QUANTITY}), answering INVALID_ARGUMENT with the reason otherwise; {@code WatchOrders} streams the
 * caller's new orders as they are placed, after a first {@code watching} event.
 */
final class OrderService extends OrdersGrpc.OrdersImplBase {

    static final int MAX_QUANTITY = 1000;

    private final Catalog catalog;
    private final OrderBook orders;

    OrderService(Catalog catalog, OrderBook orders) {
        this.catalog = catalog;
        this.orders = orders;
    }

    @Override
    public void listOrders(ListOrdersRequest request, StreamObserver<ListOrdersResponse> replies) {
        ListOrdersResponse.Builder list = ListOrdersResponse.newBuilder();
        for (Order order : orders.of(OrderServer.caller())) {
            list.addOrders(message(order));
        }
        replies.onNext(list.build());
        replies.onCompleted();
    }

    @Override
    public void createOrder(CreateOrderRequest request, StreamObserver<dev.portico.examples.mobile.orders.Order> replies) {
        String productId;
        int quantity;
        try {
            productId = productId(request.getProductId());
            quantity = quantity(request.getQuantity());
        } catch (IllegalArgumentException e) {
            replies.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        Product product = catalog.find(productId);
        if (product == null) {
            replies.onError(Status.INVALID_ARGUMENT.withDescription("productId " + productId + " is not a product")
                    .asRuntimeException());
            return;
        }
        replies.onNext(message(orders.place(OrderServer.caller(), product, quantity)));
        replies.onCompleted();
    }

    @Override
    public void watchOrders(WatchOrdersRequest request, StreamObserver<OrderEvent> replies) {
        ServerCallStreamObserver<OrderEvent> stream = (ServerCallStreamObserver<OrderEvent>) replies;
        Runnable unwatch = orders.watch(OrderServer.caller(), order -> send(stream,
                OrderEvent.newBuilder().setCreated(message(order)).build()));
        stream.setOnCancelHandler(unwatch::run);
        send(stream, OrderEvent.newBuilder().setWatching(OrderEvent.Watching.getDefaultInstance()).build());
    }

    /** Sends an event; a stream is written by one thread at a time, and not once cancelled. */
    private static void send(ServerCallStreamObserver<OrderEvent> stream, OrderEvent event) {
        synchronized (stream) {
            if (!stream.isCancelled()) {
                stream.onNext(event);
            }
        }
    }

    private static String productId(Value value) {
        if (value.getKindCase() == Value.KindCase.KIND_NOT_SET || value.getKindCase() == Value.KindCase.NULL_VALUE) {
            throw new IllegalArgumentException("productId is required");
        }
        if (value.getKindCase() != Value.KindCase.STRING_VALUE) {
            throw new IllegalArgumentException("productId must be a string");
        }
        return value.getStringValue();
    }

    private static int quantity(Value value) {
        if (value.getKindCase() == Value.KindCase.KIND_NOT_SET || value.getKindCase() == Value.KindCase.NULL_VALUE) {
            throw new IllegalArgumentException("quantity is required");
        }
        double number = value.getNumberValue();
        if (value.getKindCase() != Value.KindCase.NUMBER_VALUE || Double.isInfinite(number) || number != Math.rint(number)) {
            throw new IllegalArgumentException("quantity must be an integer");
        }
        if (number < 1 || number > MAX_QUANTITY) {
            throw new IllegalArgumentException("quantity must be from 1 to " + MAX_QUANTITY);
        }
        return (int) number;
    }

    private static dev.portico.examples.mobile.orders.Order message(Order order) {
        return dev.portico.examples.mobile.orders.Order.newBuilder()
                .setId(order.id())
                .setUserId(order.userId())
                .setProductId(order.productId())
                .setQuantity(order.quantity())
                .setTotalCents(Math.toIntExact(order.totalCents()))
                .setCreatedAt(order.createdAt())
                .build();
    }
}
