package dev.portico.undertow;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Follows one HTTP/1 connection's request bytes, in order, just far enough to judge each request line's version
 * and each chunked body's syntax: it scans heads byte by byte, skips a {@code Content-Length} body unread, reads
 * only the size lines and trailers of a chunked body, and stops following for good at the first request line whose
 * version is not exactly {@code HTTP/1.0} or {@code HTTP/1.1}, at a chunked body that breaks RFC 9112 7.1, or at
 * anything it cannot frame as Undertow does (a framing the gateway refuses, an obs-fold of a framing field, an
 * {@code Upgrade}). Stopping for anything but a broken chunked body only ever lets requests through.
 *
 * <p>Request heads are framed strictly with CRLF, as Undertow 2.4 does (it refuses anything else with 400 and
 * closes). Chunked bodies are held to the RFC, which Undertow's {@code ChunkReader} is not: it reads a line
 * without hex digits (even an empty one) as the last chunk, skips junk after a size and between a chunk's data and
 * its LF, and takes a bare LF for CRLF, so that what follows such a body would be read as the next request where a
 * proxy in front of the gateway saw body bytes. Not thread-safe: one connection's reads come one at a time.
 */
final class HeadScanner {

    private static final int REQUEST_LINE = 0;
    private static final int FIELD_START = 1;
    private static final int FIELD_NAME = 2;
    private static final int OTHER_FIELD = 3;
    private static final int LENGTH_VALUE = 4;
    private static final int CODING_VALUE = 5;
    private static final int HEAD_END = 6;
    private static final int BODY = 7;
    private static final int CHUNK_SIZE = 8;
    private static final int CHUNK_EXTENSION = 9;
    private static final int CHUNK_END = 10;
    private static final int TRAILER_START = 11;
    private static final int TRAILER_NAME = 12;
    private static final int TRAILER_VALUE = 13;
    private static final int TRAILER_END = 14;
    private static final int STOPPED = 15;
    private static final int CHUNK_SPACE = 16;
    private static final int CHUNK_SIZE_LF = 17;
    private static final int CHUNK_END_LF = 18;
    private static final int TRAILER_VALUE_LF = 19;

    /** The end of an acceptable request line, {@code " HTTP/1.x\r"}; the digit at {@link #MINOR} is 0 or 1. */
    private static final byte[] VERSION = {' ', 'H', 'T', 'T', 'P', '/', '1', '.', '?', '\r'};
    private static final int MINOR = 8;

    private static final byte[] CONTENT_LENGTH = ascii("content-length");
    private static final byte[] TRANSFER_ENCODING = ascii("transfer-encoding");
    private static final byte[] UPGRADE = ascii("upgrade");
    private static final byte[] CHUNKED = ascii("chunked");
    private static final int IS_LENGTH = 1;
    private static final int IS_CODING = 2;
    private static final int IS_UPGRADE = 4;

    /** Past this, a length or chunk size is beyond anything Undertow frames (it refuses chunk sizes over 2^57). */
    private static final long MAX_SIZE = 1L << 56;

    private int state = REQUEST_LINE;
    private long heads;
    private long refused;
    private boolean malformed;
    private boolean folded;
    private boolean emptyFraming;

    // the head being read
    private boolean lineStarted;
    private int versionMatch;
    private int fieldIndex;
    private int fieldCandidates;
    private boolean framingField;
    private int valuePhase;
    private long number;
    private long length = -1;
    private boolean chunked;

    // the body being skipped, and what follows it
    private long remaining;
    private int afterBody;
    private boolean sized;

    /** Returns whether it still follows the connection. */
    boolean following() {
        return state != STOPPED;
    }

    /** Returns whether a chunked body broke RFC 9112 7.1: nothing more may be read from the connection. */
    boolean malformed() {
        return malformed;
    }

    /**
     * Returns the ordinal on the connection (from 1) of the first request refused, for its version or for a framing
     * field continued on a folded line, or 0.
     */
    long refusedHead() {
        return refused;
    }

    /** Returns whether the refused request was refused for a folded framing field rather than its version. */
    boolean refusedForFolding() {
        return folded;
    }

    /** Returns how many of the next bytes are body bytes of known length, which it need not see. */
    long skippable() {
        return state == BODY ? remaining : 0;
    }

    /** Accounts for {@code count} body bytes, at most {@link #skippable()}, read without being scanned. */
    void skipped(long count) {
        remaining -= count;
        if (remaining == 0) {
            state = afterBody;
        }
    }

    /** Follows the bytes from {@code from} to {@code to} of the buffer, the next ones read from the connection. */
    void scan(ByteBuffer buffer, int from, int to) {
        int i = from;
        while (i < to && state != STOPPED) {
            if (state == BODY) {
                int n = (int) Math.min(remaining, to - i);
                i += n;
                skipped(n);
            } else if (state == OTHER_FIELD) { // most of a head: find the line's end, nothing else
                while (i < to && buffer.get(i) != '\n') {
                    i++;
                }
                if (i < to) {
                    i++;
                    state = FIELD_START;
                }
            } else if (state == REQUEST_LINE) {
                if (!lineStarted) { // RFC 9112 2.2: empty lines before a request line are no request
                    while (i < to && (buffer.get(i) == '\r' || buffer.get(i) == '\n')) {
                        i++;
                    }
                    if (i == to) {
                        break;
                    }
                    lineStarted = true;
                }
                byte b = 0;
                while (i < to && (b = buffer.get(i++)) != '\n') {
                    versionMatch = matchVersion(versionMatch, b);
                }
                if (b == '\n') {
                    requestLineEnd();
                }
            } else {
                next(buffer.get(i++));
            }
        }
    }

    private void next(byte b) {
        switch (state) {
            case FIELD_START -> fieldStart(b);
            case FIELD_NAME -> fieldName(b);
            case LENGTH_VALUE, CODING_VALUE -> value(b);
            case HEAD_END -> {
                if (b == '\n') {
                    headEnd();
                } else {
                    state = STOPPED;
                }
            }
            case CHUNK_SIZE -> chunkSize(b);
            case CHUNK_SPACE -> expect(b == ' ' || b == '\t' ? CHUNK_SPACE : b == ';' ? CHUNK_EXTENSION
                    : b == '\r' ? CHUNK_SIZE_LF : -1);
            case CHUNK_EXTENSION -> expect(b == '\r' ? CHUNK_SIZE_LF : b == '\n' ? -1 : CHUNK_EXTENSION);
            case CHUNK_SIZE_LF -> {
                if (b == '\n') {
                    chunkSizeEnd();
                } else {
                    expect(-1);
                }
            }
            case CHUNK_END -> expect(b == '\r' ? CHUNK_END_LF : -1);
            case CHUNK_END_LF -> {
                sized = false;
                expect(b == '\n' ? CHUNK_SIZE : -1);
            }
            case TRAILER_START -> {
                if (b == '\r') {
                    state = TRAILER_END;
                } else if (b == '\n' || b == ':') {
                    expect(-1);
                } else {
                    state = TRAILER_NAME;
                }
            }
            case TRAILER_NAME -> expect(b == ':' ? TRAILER_VALUE : b == '\r' || b == '\n' ? -1 : TRAILER_NAME);
            case TRAILER_VALUE -> expect(b == '\r' ? TRAILER_VALUE_LF : b == '\n' ? -1 : TRAILER_VALUE);
            case TRAILER_VALUE_LF -> expect(b == '\n' ? TRAILER_START : -1);
            case TRAILER_END -> expect(b == '\n' ? REQUEST_LINE : -1);
        }
    }

    /** Moves to a state of a chunked body, or, for -1, marks the body malformed and stops following. */
    private void expect(int next) {
        if (next < 0) {
            malformed = true;
            state = STOPPED;
        } else {
            state = next;
        }
    }

    /** Returns how much of {@link #VERSION} ends at {@code b}, from how much ended at the byte before it. */
    private static int matchVersion(int matched, byte b) {
        if (matched < VERSION.length && (matched == MINOR ? b == '0' || b == '1' : b == VERSION[matched])) {
            return matched + 1;
        }
        return b == ' ' ? 1 : 0; // the pattern has no other space: no partial match to fall back to
    }

    private void requestLineEnd() {
        lineStarted = false;
        heads++;
        if (versionMatch == VERSION.length) {
            state = FIELD_START;
        } else {
            refused = heads; // answered 505, then the connection closes: nothing after it matters
            state = STOPPED;
        }
    }

    private void fieldStart(byte b) {
        if (emptyFraming && b != ' ' && b != '\t') { // an empty framing field not continued: refused as it is
            state = STOPPED;
            return;
        }
        if (b == '\r') {
            state = HEAD_END;
        } else if (b == ' ' || b == '\t') {
            // obs-fold: Undertow continues the previous field's value; a proxy in front may not (RFC 9112 5.2), and
            // would then frame the body otherwise: a framing field so continued refuses its request
            if (framingField) {
                refused = heads;
                folded = true;
                state = STOPPED;
            } else {
                state = OTHER_FIELD;
            }
        } else if (b == '\n') {
            state = STOPPED;
        } else {
            fieldIndex = 0;
            fieldCandidates = IS_LENGTH | IS_CODING | IS_UPGRADE;
            framingField = false;
            state = FIELD_NAME;
            fieldName(b);
        }
    }

    private void fieldName(byte b) {
        if (b == ':') {
            int field = fieldCandidates & (fieldIndex == CONTENT_LENGTH.length ? IS_LENGTH
                    : fieldIndex == TRANSFER_ENCODING.length ? IS_CODING : fieldIndex == UPGRADE.length ? IS_UPGRADE : 0);
            valuePhase = 0;
            state = field == IS_LENGTH ? LENGTH_VALUE : field == IS_CODING ? CODING_VALUE
                    : field == IS_UPGRADE ? STOPPED : OTHER_FIELD;
            return;
        }
        if (b == '\r' || b == '\n') {
            state = STOPPED;
            return;
        }
        int c = b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b;
        int i = fieldIndex++;
        if (i >= CONTENT_LENGTH.length || CONTENT_LENGTH[i] != c) {
            fieldCandidates &= ~IS_LENGTH;
        }
        if (i >= TRANSFER_ENCODING.length || TRANSFER_ENCODING[i] != c) {
            fieldCandidates &= ~IS_CODING;
        }
        if (i >= UPGRADE.length || UPGRADE[i] != c) {
            fieldCandidates &= ~IS_UPGRADE;
        }
        if (fieldCandidates == 0) {
            state = OTHER_FIELD;
        }
    }

    /**
     * Reads a Content-Length (digits) or Transfer-Encoding ({@code chunked}) value: phase 0 before it, 1 in it, 2 in
     * the spaces after it, 3 after its CR, 4 after the CR of an empty one. Anything else, or a second framing field,
     * and it stops following.
     */
    private void value(byte b) {
        boolean ows = b == ' ' || b == '\t';
        if (valuePhase == 4) { // an empty value: only a folded line could still give it one
            if (b != '\n') {
                state = STOPPED;
                return;
            }
            framingField = true;
            emptyFraming = true;
            state = FIELD_START;
        } else if (b == '\r' && valuePhase == 0) {
            valuePhase = 4;
        } else if (valuePhase == 3) {
            if (b != '\n' || length >= 0 || chunked) {
                state = STOPPED;
                return;
            }
            if (state == LENGTH_VALUE) {
                length = number;
            } else {
                chunked = true;
            }
            framingField = true;
            state = FIELD_START;
        } else if (ows) {
            valuePhase = valuePhase == 0 ? 0 : 2;
        } else if (b == '\r' && valuePhase > 0 && (state == LENGTH_VALUE || fieldIndex == CHUNKED.length)) {
            valuePhase = 3;
        } else if (valuePhase == 2) {
            state = STOPPED;
        } else if (state == LENGTH_VALUE) {
            if (b < '0' || b > '9' || (valuePhase == 1 && number >= MAX_SIZE)) {
                state = STOPPED;
                return;
            }
            number = valuePhase == 0 ? b - '0' : number * 10 + (b - '0');
            valuePhase = 1;
        } else {
            int c = b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b;
            if (valuePhase == 0) {
                fieldIndex = 0;
                valuePhase = 1;
            }
            if (fieldIndex >= CHUNKED.length || CHUNKED[fieldIndex] != c) {
                state = STOPPED;
                return;
            }
            fieldIndex++;
        }
    }

    private void headEnd() {
        versionMatch = 0;
        if (chunked) {
            remaining = 0;
            sized = false;
            state = CHUNK_SIZE;
        } else if (length > 0) {
            remaining = length;
            afterBody = REQUEST_LINE;
            state = BODY;
        } else {
            state = REQUEST_LINE;
        }
        length = -1;
        chunked = false;
    }

    /** A chunk-size: one or more hex digits, then white space, an extension or CRLF (RFC 9112 7.1). */
    private void chunkSize(byte b) {
        int digit = b >= '0' && b <= '9' ? b - '0' : b >= 'a' && b <= 'f' ? b - 'a' + 10 : b >= 'A' && b <= 'F' ? b - 'A' + 10 : -1;
        if (digit >= 0) {
            if (remaining >= MAX_SIZE) {
                state = STOPPED; // past anything Undertow frames: it refuses the body itself
            } else {
                remaining = remaining << 4 | digit;
                sized = true;
            }
        } else {
            expect(!sized ? -1 : b == ' ' || b == '\t' ? CHUNK_SPACE : b == ';' ? CHUNK_EXTENSION
                    : b == '\r' ? CHUNK_SIZE_LF : -1);
        }
    }

    private void chunkSizeEnd() {
        if (remaining == 0) {
            state = TRAILER_START;
        } else {
            afterBody = CHUNK_END;
            state = BODY;
        }
    }


    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
