package dev.portico.examples.mobile;

/**
 * A user of the mobile app, as the user service returns it.
 *
 * @param id    the user id, which tokens carry as {@code sub}
 * @param name  the display name
 * @param email the e-mail address
 */
record User(String id, String name, String email) {
}
