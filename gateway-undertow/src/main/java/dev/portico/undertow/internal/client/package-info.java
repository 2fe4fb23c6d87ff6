/**
 * Portico's HTTP/1.1 upstream client on XNIO: strict response parsing, per-IO-thread pools, calls and bodies.
 * Internal: public only where the Undertow adapter needs it, not an API, and free to change in any release.
 */
package dev.portico.undertow.internal.client;
