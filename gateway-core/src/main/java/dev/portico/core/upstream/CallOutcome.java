package dev.portico.core.upstream;

import java.time.Duration;

/**
 * What happened to one attempt of an upstream call, as health checks, circuit breakers, retry budgets, spans and
 * metrics need to know it.
 *
 * @param upstream the upstream's name
 * @param endpoint the instance the attempt went to
 * @param kind     what happened
 * @param status   the response status for {@link Kind#RESPONSE} and the body events, else 0
 * @param elapsed  from the start of the attempt to this event
 * @param retried  whether the call is tried again on a new connection after this (a reused connection that the
 *                 upstream had closed)
 */
public record CallOutcome(String upstream, Endpoint endpoint, Kind kind, int status, Duration elapsed, boolean retried) {

    /**
     * Returns whether this outcome ends its attempt: every attempt ends with exactly one final outcome (a body event,
     * or a failure that is not {@linkplain #retried() retried}), so counting attempts in flight cannot drift.
     */
    public boolean isFinal() {
        return kind != Kind.RESPONSE && !retried;
    }

    /** The kinds of outcome. */
    public enum Kind {
        /** The response head arrived. */
        RESPONSE,
        /** The response body was read to its end: the exchange is over and the connection may be reused. */
        BODY_FINISHED,
        /** The response body was not read to its end (abandoned, broken off or stalled): the connection closed. */
        BODY_ABORTED,
        /** The connection could not be opened. */
        CONNECT_FAILURE,
        /** The connection was closed or reset before the response head arrived. */
        RESET,
        /** A connect, write or response timeout passed. */
        TIMEOUT,
        /** The upstream sent a response the gateway refuses (a malformed head, ambiguous framing, over the limits). */
        PROTOCOL_ERROR,
        /** The caller cancelled the call, or the client went away, before the response head. */
        CANCELLED
    }
}
