/**
 * Aggregation: an {@link dev.portico.core.aggregate.Aggregator} answers one request by calling several upstreams,
 * in parallel where it can, and combining their JSON {@linkplain dev.portico.core.aggregate.Part parts}, each
 * {@linkplain dev.portico.core.aggregate.Shape shaped} on the way.
 */
package dev.portico.core.aggregate;
