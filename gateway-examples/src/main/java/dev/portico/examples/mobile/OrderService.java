package dev.portico.examples.mobile;

/**
 * The order service: {@code GET /orders} lists the orders of the user named by {@code X-User-Id} and
 * {@code POST /orders} places one for that user; the body's own user fields are ignored.
 */
final class OrderService implements ServiceHandler {

    private final Catalog catalog;
    private final OrderBook orders;

    OrderService(Catalog catalog, OrderBook orders) {
        this.catalog = catalog;
        this.orders = orders;
    }

    @Override
    public Reply handle(Call call) {
        if (!call.path().equals("/orders")) {
            return Reply.notFound("no resource at " + call.path());
        }
        if (!call.isRead() && !call.method().equals("POST")) {
            return Reply.methodNotAllowed(call.method(), "GET, HEAD, POST");
        }
        if (call.userId() == null) {
            return Reply.badRequest("the X-User-Id header is required");
        }
        return call.isRead() ? Reply.ok(orders.of(call.userId())) : place(call);
    }

    private Reply place(Call call) {
        OrderInput input;
        try {
            input = OrderInput.parse(call.body());
        } catch (OrderInput.Invalid e) {
            return Reply.badRequest(e.getMessage());
        }
        Product product = catalog.find(input.productId());
        if (product == null) {
            return Reply.badRequest("productId " + input.productId() + " is not a product");
        }
        return Reply.created(orders.place(call.userId(), product, input.quantity()));
    }
}
