/** The spans and metrics behind {@link dev.portico.core.observe.Telemetry}; not an API. */
package dev.portico.core.internal.observe;
