package dev.portico.undertow;

import java.time.Duration;

/**
 * What the adapter keeps about one exchange for the answers it writes itself: how long a streamed response body may
 * stall, the request's id once its pipeline has started, and the request body's conduit. A plain object the
 * exchange's lambdas share rather than attachments, whose map Undertow would otherwise create for every exchange
 * and search on each of its own attachment lookups.
 */
final class Answering {

    /** A request's id and the header that carries it. */
    record RequestId(String header, String id) {
    }

    final Duration stallTimeout;
    /** Set once the pipeline has started, when request ids are on. */
    volatile RequestId requestId;
    /** Set when the request's body is first read, on whichever thread reads it: it counts the bytes read. */
    volatile IdleBodyConduit body;

    Answering(Duration stallTimeout) {
        this.stallTimeout = stallTimeout;
    }
}
