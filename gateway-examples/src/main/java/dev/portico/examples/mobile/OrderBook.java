package dev.portico.examples.mobile;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** The order service's in-memory store, safe for concurrent use. */
final class OrderBook {

    private final AtomicLong lastId = new AtomicLong(1000);
    private final Map<String, List<Order>> byUser = new ConcurrentHashMap<>();
    private final Map<String, Set<Consumer<Order>>> watchers = new ConcurrentHashMap<>();

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
        for (Consumer<Order> watcher : watchers.getOrDefault(userId, Set.of())) {
            watcher.accept(order);
        }
        return order;
    }

    /** Tells {@code watcher} of each order the user places from now on, until the returned action runs. */
    Runnable watch(String userId, Consumer<Order> watcher) {
        watchers.computeIfAbsent(userId, id -> ConcurrentHashMap.newKeySet()).add(watcher);
        return () -> watchers.computeIfPresent(userId, (id, set) -> set.remove(watcher) && set.isEmpty() ? null : set);
    }
}
