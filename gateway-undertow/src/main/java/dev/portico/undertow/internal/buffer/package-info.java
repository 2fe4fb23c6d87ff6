/**
 * What each IO thread keeps for itself, without locks: pooled byte buffers for Undertow and the upstream client, and
 * the batch of writes it starts while handling its ready channels.
 * Internal: public only where the Undertow adapter needs it, not an API, and free to change in any release.
 */
package dev.portico.undertow.internal.buffer;
