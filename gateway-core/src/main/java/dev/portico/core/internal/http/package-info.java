/** HTTP rules the gateway applies to messages: path canonicalization, proxy headers, trusted proxies and JSON errors. */
package dev.portico.core.internal.http;
