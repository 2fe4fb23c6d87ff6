/** Built-in filters: path rewriting, header editing and Host handling. */
package dev.portico.core.filter;
