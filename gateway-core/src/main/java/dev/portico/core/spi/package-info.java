/** The service provider interface that server adapters implement, such as the upstream transport. */
package dev.portico.core.spi;
