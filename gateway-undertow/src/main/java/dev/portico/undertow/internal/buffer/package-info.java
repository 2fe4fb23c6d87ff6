/**
 * Byte buffers for Undertow and the upstream client, pooled per thread without locks.
 * Internal: public only where the Undertow adapter needs it, not an API, and free to change in any release.
 */
package dev.portico.undertow.internal.buffer;
