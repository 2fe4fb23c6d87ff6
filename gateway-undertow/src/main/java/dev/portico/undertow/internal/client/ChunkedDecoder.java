package dev.portico.undertow.internal.client;

import java.nio.ByteBuffer;

/**
 * Decodes a chunked body (RFC 9112 section 7.1) in place, across reads: it skips the framing and reports how many
 * payload bytes follow; sizes, extensions and trailers are bounded, and any deviation from the grammar is refused.
 */
final class ChunkedDecoder {

    private enum State { SIZE, EXTENSION, SIZE_LF, DATA, DATA_CR, DATA_LF, TRAILER_START, TRAILER, TRAILER_LF, END_LF, DONE }

    private static final int MAX_SIZE_DIGITS = 15;

    private final int maxOverhead;
    private State state = State.SIZE;
    private long remaining;
    private int digits;
    private int overhead;

    /** Creates a decoder that allows at most {@code maxOverhead} bytes of extensions and trailers per chunk. */
    ChunkedDecoder(int maxOverhead) {
        this.maxOverhead = maxOverhead;
    }

    /** Returns whether the last chunk and the trailers were read. */
    boolean isDone() {
        return state == State.DONE;
    }

    /**
     * Consumes framing from {@code in} and returns how many payload bytes start at its position (0 when more input
     * is needed or the body is done); the caller consumes up to that many, then reports them to {@link #consumed}.
     */
    long next(ByteBuffer in) throws BadResponseException {
        while (in.hasRemaining()) {
            if (state == State.DATA) {
                return Math.min(remaining, in.remaining());
            }
            if (state == State.DONE) {
                return 0;
            }
            step(in.get());
        }
        return 0;
    }

    /** Records that {@code n} payload bytes reported by {@link #next} were consumed. */
    void consumed(long n) {
        remaining -= n;
        if (remaining == 0) {
            state = State.DATA_CR;
        }
    }

    private void step(byte b) throws BadResponseException {
        switch (state) {
            case SIZE -> {
                int digit = Character.digit(b, 16);
                if (digit >= 0 && digits < MAX_SIZE_DIGITS) {
                    remaining = remaining * 16 + digit;
                    digits++;
                } else if (digits > 0 && b == '\r') {
                    state = State.SIZE_LF;
                } else if (digits > 0 && (b == ';' || b == ' ' || b == '\t')) {
                    state = State.EXTENSION;
                } else {
                    throw fault("a malformed chunk size");
                }
            }
            case EXTENSION -> {
                if (b == '\r') {
                    state = State.SIZE_LF;
                } else if ((b < 0x20 && b != '\t') || b == 0x7f || ++overhead > maxOverhead) {
                    throw fault("a malformed chunk extension");
                }
            }
            case SIZE_LF -> {
                expect(b, '\n');
                digits = 0;
                overhead = 0;
                state = remaining == 0 ? State.TRAILER_START : State.DATA;
            }
            case DATA_CR -> {
                expect(b, '\r');
                state = State.DATA_LF;
            }
            case DATA_LF -> {
                expect(b, '\n');
                state = State.SIZE;
            }
            case TRAILER_START -> state = b == '\r' ? State.END_LF : trailer(b);
            case TRAILER -> state = b == '\r' ? State.TRAILER_LF : trailer(b);
            case TRAILER_LF -> {
                expect(b, '\n');
                state = State.TRAILER_START;
            }
            case END_LF -> {
                expect(b, '\n');
                state = State.DONE;
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    /** Trailer fields are read and dropped: the client's response carries no trailers. */
    private State trailer(byte b) throws BadResponseException {
        if (b == '\n' || b == 0 || ++overhead > maxOverhead) {
            throw fault("malformed or oversized trailers");
        }
        return State.TRAILER;
    }

    private static void expect(byte b, char expected) throws BadResponseException {
        if (b != expected) {
            throw fault("a chunk not framed by CRLF");
        }
    }

    private static BadResponseException fault(String what) {
        return new BadResponseException(what + " in its chunked body");
    }
}
