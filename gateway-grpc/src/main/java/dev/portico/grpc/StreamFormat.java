package dev.portico.grpc;

/**
 * How a server-streaming method's messages reach the client: each message is written and flushed as it arrives from
 * the upstream, in one of three framings.
 */
public enum StreamFormat {

    /** One JSON array, {@code application/json}: {@code [} first, the messages separated by commas, {@code ]} last. */
    JSON_ARRAY("application/json"),

    /** Newline-delimited JSON, {@code application/x-ndjson}: one message per line. */
    NDJSON("application/x-ndjson"),

    /** Server-sent events, {@code text/event-stream}: one {@code data:} event per message. */
    SSE("text/event-stream");

    private final String contentType;

    StreamFormat(String contentType) {
        this.contentType = contentType;
    }

    /** Returns the response's {@code Content-Type}. */
    public String contentType() {
        return contentType;
    }
}
