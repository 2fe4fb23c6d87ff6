package dev.portico.examples.mobile;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The immutable product catalog that the product service serves and the order service validates against. */
final class Catalog {

    private final List<Product> products;
    private final Map<String, Product> byId = new LinkedHashMap<>();

    Catalog(List<Product> products) {
        this.products = List.copyOf(products);
        for (Product product : this.products) {
            if (byId.put(product.id(), product) != null) {
                throw new IllegalArgumentException("product id: " + product.id() + " (expected: unique)");
            }
        }
    }

    /** Returns the demo's twenty products, {@code p1} to {@code p20}. */
    static Catalog demo() {
        String[] names = {
            "Wireless Earbuds", "Phone Case", "USB-C Cable", "Power Bank", "Screen Protector",
            "Smart Watch", "Fitness Band", "Bluetooth Speaker", "Car Mount", "Wireless Charger",
            "Tablet Stand", "Stylus Pen", "Laptop Sleeve", "Travel Adapter", "Noise-Cancelling Headphones",
            "Action Camera", "Memory Card", "Selfie Stick", "Keyboard Cover", "Desk Lamp"};
        long[] prices = {
            5999, 1499, 999, 3499, 799, 19999, 4999, 7999, 1999, 2999,
            2499, 3999, 2299, 1899, 24999, 29999, 1299, 1599, 3299, 4499};
        Product[] products = new Product[names.length];
        for (int i = 0; i < names.length; i++) {
            products[i] = new Product("p" + (i + 1), names[i], prices[i]);
        }
        return new Catalog(List.of(products));
    }

    /** Returns every product, in id order. */
    List<Product> all() {
        return products;
    }

    /** Returns the product with this id, or {@code null}. */
    Product find(String id) {
        return byId.get(id);
    }
}
