package dev.portico.undertow.internal.client;

import dev.portico.core.Headers;
import dev.portico.undertow.internal.buffer.PerIoThread;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * An upstream's HTTP/1.x response head, parsed strictly: a status from 100 to 599, CRLF line ends only, token header
 * names, values without control characters, no folded lines, and unambiguous framing (RFC 9112 section 6), since a
 * head the gateway misreads would frame the next response wrongly or split the client's.
 */
final class ResponseHead {

    /** The body is framed by {@code Transfer-Encoding: chunked}. */
    static final long CHUNKED = -2;
    /** The body runs until the upstream closes the connection. */
    static final long UNTIL_CLOSE = -1;

    private static final boolean[] TOKEN = new boolean[128];

    /**
     * Field names upstreams commonly send, identified by length then bytes so that their canonical or lower-case
     * spelling needs no new string; the first three frame the body. Names are forwarded as they were received.
     */
    private static final String[] NAMES = {
            "Content-Length", "Transfer-Encoding", "Connection",
            "Content-Type", "Date", "Server", "Cache-Control", "ETag", "Last-Modified", "Vary", "Set-Cookie",
            "Location", "Expires", "Accept-Ranges", "Content-Encoding", "Content-Language", "Content-Disposition",
            "Keep-Alive", "Age", "Pragma", "Link", "Via", "Alt-Svc", "Retry-After", "WWW-Authenticate",
            "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Expose-Headers",
            "Strict-Transport-Security", "Content-Security-Policy", "Referrer-Policy", "X-Content-Type-Options",
            "X-Frame-Options", "X-Request-Id", "Traceparent"};
    private static final int CONTENT_LENGTH = 0;
    private static final int TRANSFER_ENCODING = 1;
    private static final int CONNECTION = 2;
    private static final String[] LOWER_CASE_NAMES = new String[NAMES.length];
    private static final byte[][] CANONICAL_BYTES = new byte[NAMES.length][];
    private static final byte[][] LOWER_CASE_BYTES = new byte[NAMES.length][];
    /** Indexes into {@link #NAMES} by name length. */
    private static final int[][] BY_LENGTH;
    private static final int SPELLED_CANONICALLY = 0;
    private static final int SPELLED_LOWER_CASE = 1;
    private static final int SPELLED_OTHERWISE = 2;

    private static final byte[] CHUNKED_TOKEN = ascii("chunked");
    private static final byte[] CLOSE = ascii("close");
    private static final byte[] KEEP_ALIVE = ascii("keep-alive");

    /** Where field text is copied out of the buffer on its way into a string; one per IO thread. */
    private static final PerIoThread<byte[]> SCRATCH = new PerIoThread<>(() -> new byte[1024]);

    static {
        for (char c = '0'; c <= '9'; c++) {
            TOKEN[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TOKEN[c] = true;
            TOKEN[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TOKEN[c] = true;
        }
        int longest = 0;
        for (int id = 0; id < NAMES.length; id++) {
            LOWER_CASE_NAMES[id] = NAMES[id].toLowerCase(Locale.ROOT).intern(); // one instance, like the literals
            CANONICAL_BYTES[id] = ascii(NAMES[id]);
            LOWER_CASE_BYTES[id] = ascii(LOWER_CASE_NAMES[id]);
            longest = Math.max(longest, NAMES[id].length());
        }
        BY_LENGTH = new int[longest + 1][];
        for (int length = 0; length <= longest; length++) {
            int size = length;
            BY_LENGTH[length] = IntStream.range(0, NAMES.length).filter(id -> NAMES[id].length() == size).toArray();
        }
    }

    final int status;
    final Headers headers;
    /** The body's length in bytes, or {@link #CHUNKED}, or {@link #UNTIL_CLOSE}; ignored for bodiless responses. */
    final long length;
    /** Whether the connection may carry another request once this response is read. */
    final boolean keepAlive;

    private ResponseHead(int status, Headers headers, long length, boolean keepAlive) {
        this.status = status;
        this.headers = headers;
        this.length = length;
        this.keepAlive = keepAlive;
    }

    /** Finds the blank line that ends a head across reads, refusing a CR or LF that stands alone. */
    static final class Scanner {

        private int state; // 0: in a line, 1: after CR, 2: at a line start, 3: after CR at a line start

        /** Returns the index just past the head's end in {@code buffer[from, to)}, or -1 when it has not all come. */
        int scan(ByteBuffer buffer, int from, int to) throws BadResponseException {
            for (int i = from; i < to; i++) {
                byte b = buffer.get(i);
                switch (state) {
                    case 0 -> state = b == '\r' ? 1 : b == '\n' ? -1 : 0;
                    case 1 -> state = b == '\n' ? 2 : -1;
                    case 2 -> state = b == '\r' ? 3 : b == '\n' ? -1 : 0;
                    default -> {
                        if (b != '\n') {
                            state = -1;
                        } else {
                            state = 0;
                            return i + 1;
                        }
                    }
                }
                if (state < 0) {
                    state = 0;
                    throw new BadResponseException("a bare CR or LF in its response head");
                }
            }
            return -1;
        }
    }

    /**
     * Parses the head in {@code buffer[from, to)}, which a {@link Scanner} found complete, with absolute reads: the
     * buffer's position and limit are left as they are.
     */
    static ResponseHead parse(ByteBuffer buffer, int from, int to) throws BadResponseException {
        byte version;
        if (!startsWith(buffer, from, "HTTP/1.") || ((version = buffer.get(from + 7)) != '1' && version != '0')
                || buffer.get(from + 8) != ' ') {
            throw new BadResponseException("a malformed status line"); // each read stops at the line's CR at worst
        }
        int status = 0;
        for (int i = from + 9; i < from + 12; i++) {
            int digit = buffer.get(i) - '0';
            if (digit < 0 || digit > 9) {
                throw new BadResponseException("a malformed status line");
            }
            status = status * 10 + digit;
        }
        if (status < 100 || status > 599) {
            throw new BadResponseException("status " + status + " (expected: 100-599)");
        }
        byte afterStatus = buffer.get(from + 12);
        if (afterStatus != ' ' && afterStatus != '\r') {
            throw new BadResponseException("a malformed status line");
        }
        int line = textEnd(buffer, from + 12);

        byte[] scratch = scratch(to - from);
        Headers.Builder headers = Headers.builder();
        long length = UNTIL_CLOSE;
        boolean chunked = false;
        boolean close = version == '0';
        for (int start = line + 2; start < to - 2; start = line + 2) {
            int colon = start;
            for (byte b; (b = buffer.get(colon)) != ':'; colon++) {
                if (b < 0 || !TOKEN[b]) {
                    throw new BadResponseException(b == '\r' ? "a malformed header line"
                            : colon == start && isSpace(b) ? "a folded header line" : "a malformed header name");
                }
            }
            if (colon == start) {
                throw new BadResponseException("a malformed header line");
            }
            int valueStart = colon + 1;
            while (isSpace(buffer.get(valueStart))) {
                valueStart++;
            }
            line = textEnd(buffer, valueStart);
            int valueEnd = trimEnd(buffer, valueStart, line);
            int known = known(buffer, start, colon);
            switch (known >> 2) {
                case CONTENT_LENGTH -> length = contentLength(buffer, valueStart, valueEnd, length);
                case TRANSFER_ENCODING -> {
                    if (chunked || !equalsIgnoreCase(buffer, valueStart, valueEnd, CHUNKED_TOKEN)) {
                        throw new BadResponseException("Transfer-Encoding: "
                                + text(buffer, valueStart, valueEnd, scratch) + " (expected: chunked)");
                    }
                    chunked = true;
                    continue; // this connection's own framing: the client connection gets its own
                }
                case CONNECTION -> {
                    if (hasToken(buffer, valueStart, valueEnd, CLOSE)) {
                        close = true;
                    } else if (version == '0' && hasToken(buffer, valueStart, valueEnd, KEEP_ALIVE)) {
                        close = false;
                    }
                    if (equalsIgnoreCase(buffer, valueStart, valueEnd, CLOSE)
                            || equalsIgnoreCase(buffer, valueStart, valueEnd, KEEP_ALIVE)) {
                        continue; // this connection's own state, nothing to forward
                    }
                }
                default -> { }
            }
            String name = switch (known & 3) {
                case SPELLED_CANONICALLY -> NAMES[known >> 2];
                case SPELLED_LOWER_CASE -> LOWER_CASE_NAMES[known >> 2];
                default -> text(buffer, start, colon, scratch);
            };
            headers.add(name, text(buffer, valueStart, valueEnd, scratch));
        }
        if (chunked) {
            if (length != UNTIL_CLOSE) {
                throw new BadResponseException("both Content-Length and Transfer-Encoding");
            }
            length = CHUNKED;
        }
        return new ResponseHead(status, headers.build(), length, !close);
    }

    /**
     * Identifies the token in {@code buffer[from, to)} among {@link #NAMES}, case-insensitively: returns its index
     * shifted left by two, or'ed with how it is spelled ({@link #SPELLED_CANONICALLY}, {@link #SPELLED_LOWER_CASE}
     * or {@link #SPELLED_OTHERWISE}); or -1, whose shift is -1 too, when it is none of them.
     */
    private static int known(ByteBuffer buffer, int from, int to) {
        int length = to - from;
        if (length >= BY_LENGTH.length) {
            return -1;
        }
        for (int id : BY_LENGTH[length]) {
            byte[] canonical = CANONICAL_BYTES[id];
            byte[] lower = LOWER_CASE_BYTES[id];
            boolean isCanonical = true;
            boolean isLower = true;
            int i = 0;
            for (; i < length; i++) {
                int b = buffer.get(from + i);
                if ((b | 0x20) != lower[i]) { // exact for a token against letters and '-'
                    break;
                }
                isCanonical &= b == canonical[i];
                isLower &= b == lower[i];
            }
            if (i == length) {
                return id << 2 | (isCanonical ? SPELLED_CANONICALLY : isLower ? SPELLED_LOWER_CASE : SPELLED_OTHERWISE);
            }
        }
        return -1;
    }

    /** Reads one Content-Length field: comma-separated lengths that agree with each other and with {@code previous}. */
    private static long contentLength(ByteBuffer buffer, int from, int to, long previous)
            throws BadResponseException {
        long length = UNTIL_CLOSE;
        for (int start = from, end; start <= to; start = end + 1) {
            end = start;
            while (end < to && buffer.get(end) != ',') {
                end++;
            }
            long one = digits(buffer, start, end);
            if (length != UNTIL_CLOSE && one != length) {
                throw new BadResponseException("conflicting Content-Length values");
            }
            length = one;
        }
        if (previous != UNTIL_CLOSE && previous != length) {
            throw new BadResponseException("conflicting Content-Length values");
        }
        return length;
    }

    /** Reads up to 18 decimal digits between optional spaces and tabs. */
    private static long digits(ByteBuffer buffer, int from, int to) throws BadResponseException {
        from = trimStart(buffer, from, to);
        to = trimEnd(buffer, from, to);
        if (from == to || to - from > 18) {
            throw new BadResponseException("an invalid Content-Length");
        }
        long n = 0;
        for (int i = from; i < to; i++) {
            int digit = buffer.get(i) - '0';
            if (digit < 0 || digit > 9) {
                throw new BadResponseException("an invalid Content-Length");
            }
            n = n * 10 + digit;
        }
        return n;
    }

    /** Returns whether a comma-separated element of {@code buffer[from, to)}, trimmed, is {@code token} in any case. */
    private static boolean hasToken(ByteBuffer buffer, int from, int to, byte[] token) {
        for (int start = from, end; start <= to; start = end + 1) {
            end = start;
            while (end < to && buffer.get(end) != ',') {
                end++;
            }
            int first = trimStart(buffer, start, end);
            if (equalsIgnoreCase(buffer, first, trimEnd(buffer, first, end), token)) {
                return true;
            }
        }
        return false;
    }

    /** Compares field text with a lower-case token of letters and '-', ignoring ASCII case as HTTP does. */
    private static boolean equalsIgnoreCase(ByteBuffer buffer, int from, int to, byte[] token) {
        if (to - from != token.length) {
            return false;
        }
        for (int i = 0; i < token.length; i++) {
            if ((buffer.get(from + i) | 0x20) != token[i]) { // no byte but CR, which ends a line, folds onto '-'
                return false;
            }
        }
        return true;
    }

    /**
     * Returns the index of the CR ending the line at {@code from}, refusing control characters other than HTAB (DEL
     * included) before it: a reason phrase or a field value.
     */
    private static int textEnd(ByteBuffer buffer, int from) throws BadResponseException {
        for (int i = from; ; i++) {
            int c = buffer.get(i) & 0xff;
            if (c < 0x20 || c == 0x7f) {
                if (c == '\r') {
                    return i;
                }
                if (c != '\t') {
                    throw new BadResponseException("a control character in its response head");
                }
            }
        }
    }

    /** Returns {@code buffer[from, to)} as Latin-1 text, copied out once through {@code scratch}. */
    private static String text(ByteBuffer buffer, int from, int to, byte[] scratch) {
        buffer.get(from, scratch, 0, to - from);
        return new String(scratch, 0, to - from, StandardCharsets.ISO_8859_1);
    }

    /** Returns this thread's scratch array, grown to at least {@code size} bytes. */
    private static byte[] scratch(int size) {
        byte[] scratch = SCRATCH.get();
        if (scratch.length < size) {
            scratch = new byte[Math.max(size, 2 * scratch.length)];
            SCRATCH.set(scratch);
        }
        return scratch;
    }

    /** Returns the first index in {@code buffer[from, to)} past its leading spaces and tabs. */
    private static int trimStart(ByteBuffer buffer, int from, int to) {
        while (from < to && isSpace(buffer.get(from))) {
            from++;
        }
        return from;
    }

    /** Returns the end of {@code buffer[from, to)} without its trailing spaces and tabs. */
    private static int trimEnd(ByteBuffer buffer, int from, int to) {
        while (to > from && isSpace(buffer.get(to - 1))) {
            to--;
        }
        return to;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t';
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static boolean startsWith(ByteBuffer buffer, int from, String prefix) {
        for (int i = 0; i < prefix.length(); i++) {
            if (buffer.get(from + i) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
