package dev.portico.examples.mobile;

/**
 * A product of the catalog.
 *
 * @param id         the product id, such as {@code p1}
 * @param name       the display name
 * @param priceCents the unit price in cents
 */
record Product(String id, String name, long priceCents) {
}
