package dev.portico.examples.mobile;

import java.util.List;

/** The product service: {@code GET /products} and {@code GET /products/{id}} from the catalog. */
final class ProductService implements ServiceHandler {

    private final Catalog catalog;

    ProductService(Catalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public Reply handle(Call call) {
        List<String> segments = call.segments();
        if (segments.isEmpty() || !segments.get(0).equals("products") || segments.size() > 2
                || (segments.size() == 2 && segments.get(1).isEmpty())) {
            return Reply.notFound("no resource at " + call.path());
        }
        if (!call.isRead()) {
            return Reply.methodNotAllowed(call.method(), "GET, HEAD");
        }
        if (segments.size() == 1) {
            return Reply.ok(catalog.all());
        }
        Product product = catalog.find(segments.get(1));
        return product != null ? Reply.ok(product) : Reply.notFound("no product " + segments.get(1));
    }
}
