/** One request's pipeline: the edge stage, routing, the route's filters and target, and the completion. */
package dev.portico.core.internal.pipeline;
