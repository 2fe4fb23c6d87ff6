/**
 * Telemetry: traces and metrics through the OpenTelemetry API, wired with
 * {@link dev.portico.core.Gateway.Builder#telemetry(Telemetry)}.
 */
package dev.portico.core.observe;
