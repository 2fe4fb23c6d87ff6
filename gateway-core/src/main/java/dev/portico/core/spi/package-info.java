/**
 * The contract between the core and a server adapter: what an adapter implements (the {@link
 * dev.portico.core.spi.UpstreamClient} transport) and what it calls ({@link dev.portico.core.spi.Exchanges} to run a
 * client request, {@link dev.portico.core.spi.Requests} to build one as received). Users of the DSL need none of it.
 */
package dev.portico.core.spi;
