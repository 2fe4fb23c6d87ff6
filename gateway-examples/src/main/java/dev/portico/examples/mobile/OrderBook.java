package dev.portico.examples.mobile;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** The order service's in-memory store, safe for concurrent use. */
final class OrderBook {

    private final AtomicLong lastId = new AtomicLong(1000);
    private final Map<String, List<Order>> byUser = new ConcurrentHashMap<>();

    /** Returns a book with a few orders of alice and bob. */
    static OrderBook demo(Catalog catalog) {
        OrderBook book = new OrderBook();
        book.place("alice", catalog.find("p1"), 1);
        book.place("alice", catalog.find("p3"), 2);
        book.place("bob", catalog.find("p6"), 1);
        return book;
    }

    /** Returns the user's orders, oldest first. */
    List<Order> of(String userId) {
        return List.copyOf(byUser.getOrDefault(userId, List.of()));
    }

    /** Records a new order of the user and returns it. */
    Order place(String userId, Product product, int quantity) {
        Order order = new Order("o-" + lastId.incrementAndGet(), userId, product.id(), quantity,
                product.priceCents() * quantity, Instant.now().toString());
        byUser.computeIfAbsent(userId, id -> new CopyOnWriteArrayList<>()).add(order);
        return order;
    }
}
