package dev.portico.examples.mobile;

/**
 * An order placed by a user.
 *
 * @param id         the order id, such as {@code o-1001}
 * @param userId     the user who placed it
 * @param productId  the product ordered
 * @param quantity   how many, at least 1
 * @param totalCents the quantity times the product's unit price, in cents
 * @param createdAt  when it was placed, as an ISO-8601 instant
 */
record Order(String id, String userId, String productId, int quantity, long totalCents, String createdAt) {
}
