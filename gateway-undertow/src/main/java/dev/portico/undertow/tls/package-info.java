/** TLS for a {@link dev.portico.undertow.PorticoServer}: the server's certificate and protocols, and trust to upstreams. */
package dev.portico.undertow.tls;
