/**
 * The client side of the Undertow listener: ending a client's exchange on HTTP/1.1 and HTTP/2 alike.
 * Internal: public only where the Undertow adapter needs it, not an API, and free to change in any release.
 */
package dev.portico.undertow.internal.server;
