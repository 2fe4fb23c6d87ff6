package dev.portico.core;

import dev.portico.core.upstream.Endpoint;

import java.time.Duration;

/**
 * How one request ended, reported once to {@link Context#onComplete} listeners after the last byte of the response
 * was sent or the client went away: what access logs, metrics and spans record.
 *
 * @param status   the status sent to the client (or about to be, when the client went away first)
 * @param bytesIn  request body bytes read from the client
 * @param bytesOut response body bytes written to the client
 * @param route    the route that matched, or {@code null} when none did (or the request never reached routing)
 * @param upstream the name of the upstream the request's last upstream attempt went to, or {@code null} for none
 * @param endpoint the instance of that attempt, or {@code null} for none
 * @param duration from the request's arrival to its end
 * @param failure  what went wrong, or {@code null}: the cause of an error response, or the client going away
 */
public record Completion(int status, long bytesIn, long bytesOut, Route route, String upstream, Endpoint endpoint,
                         Duration duration, Throwable failure) {
}
