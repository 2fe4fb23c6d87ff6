package dev.portico.undertow.internal.client;

import dev.portico.core.Headers;
import dev.portico.undertow.internal.buffer.PerIoThread;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

    /** One in each of a long's eight bytes: {@code EACH * b} repeats byte b eight times. */
    private static final long EACH = 0x0101010101010101L;

    /** Reads eight bytes of an array at once, for the skips over field text. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private static final byte[] CHUNKED_TOKEN = ascii("chunked");
    private static final byte[] CLOSE = ascii("close");
    private static final byte[] KEEP_ALIVE = ascii("keep-alive");

    /** Where a head is copied out of its direct buffer to be parsed; one per IO thread. */
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

        /**
         * Returns the index just past the head's end in {@code buffer[from, to)}, or -1 when it has not all come.
         * Outside a line end it skips eight bytes at a time while they hold neither CR nor LF.
         */
        int scan(ByteBuffer buffer, int from, int to) throws BadResponseException {
            for (int i = from; i < to; ) {
                if ((state & 1) == 0 && to - i >= 8 && !hasCrOrLf(buffer.getLong(i))) {
                    state = 0;
                    i += 8;
                    continue;
                }
                for (int stop = Math.min(i + 8, to); i < stop; i++) {
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
            }
            return -1;
        }
    }

    /**
     * Parses the head in {@code buffer[from, to)}, which a {@link Scanner} found complete; the buffer's position and
     * limit are left as they are. The head is copied once into this IO thread's scratch array and parsed there, where
     * a byte costs less to read than in a direct buffer.
     */
    static ResponseHead parse(ByteBuffer buffer, int from, int to) throws BadResponseException {
        byte[] head = scratch(to - from);
        buffer.get(from, head, 0, to - from);
        return parse(head, to - from);
    }

    private static ResponseHead parse(byte[] bytes, int to) throws BadResponseException {
        byte version;
        if (!startsWith(bytes, "HTTP/1.") || ((version = bytes[7]) != '1' && version != '0') || bytes[8] != ' ') {
            throw new BadResponseException("a malformed status line"); // each read stops at the line's CR at worst
        }
        int status = 0;
        for (int i = 9; i < 12; i++) {
            int digit = bytes[i] - '0';
            if (digit < 0 || digit > 9) {
                throw new BadResponseException("a malformed status line");
            }
            status = status * 10 + digit;
        }
        if (status < 100 || status > 599) {
            throw new BadResponseException("status " + status + " (expected: 100-599)");
        }
        byte afterStatus = bytes[12];
        if (afterStatus != ' ' && afterStatus != '\r') {
            throw new BadResponseException("a malformed status line");
        }
        int line = textEnd(bytes, 12, to);

        Headers.Builder headers = Headers.builder();
        long length = UNTIL_CLOSE;
        boolean chunked = false;
        boolean close = version == '0';
        for (int start = line + 2; start < to - 2; start = line + 2) {
            int colon = start;
            for (byte b; (b = bytes[colon]) != ':'; colon++) {
                if (b < 0 || !TOKEN[b]) {
                    throw new BadResponseException(b == '\r' ? "a malformed header line"
                            : colon == start && isSpace(b) ? "a folded header line" : "a malformed header name");
                }
            }
            if (colon == start) {
                throw new BadResponseException("a malformed header line");
            }
            int valueStart = colon + 1;
            while (isSpace(bytes[valueStart])) {
                valueStart++;
            }
            line = textEnd(bytes, valueStart, to);
            int valueEnd = trimEnd(bytes, valueStart, line);
            int known = known(bytes, start, colon);
            switch (known >> 2) {
                case CONTENT_LENGTH -> length = contentLength(bytes, valueStart, valueEnd, length);
                case TRANSFER_ENCODING -> {
                    if (chunked || !equalsIgnoreCase(bytes, valueStart, valueEnd, CHUNKED_TOKEN)) {
                        throw new BadResponseException("Transfer-Encoding: "
                                + text(bytes, valueStart, valueEnd) + " (expected: chunked)");
                    }
                    chunked = true;
                    continue; // this connection's own framing: the client connection gets its own
                }
                case CONNECTION -> {
                    if (hasToken(bytes, valueStart, valueEnd, CLOSE)) {
                        close = true;
                    } else if (version == '0' && hasToken(bytes, valueStart, valueEnd, KEEP_ALIVE)) {
                        close = false;
                    }
                    if (equalsIgnoreCase(bytes, valueStart, valueEnd, CLOSE)
                            || equalsIgnoreCase(bytes, valueStart, valueEnd, KEEP_ALIVE)) {
                        continue; // this connection's own state, nothing to forward
                    }
                }
                default -> { }
            }
            String name = switch (known & 3) {
                case SPELLED_CANONICALLY -> NAMES[known >> 2];
                case SPELLED_LOWER_CASE -> LOWER_CASE_NAMES[known >> 2];
                default -> text(bytes, start, colon);
            };
            headers.add(name, text(bytes, valueStart, valueEnd));
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
     * Identifies the token in {@code bytes[from, to)} among {@link #NAMES}, case-insensitively: returns its index
     * shifted left by two, or'ed with how it is spelled ({@link #SPELLED_CANONICALLY}, {@link #SPELLED_LOWER_CASE}
     * or {@link #SPELLED_OTHERWISE}); or -1, whose shift is -1 too, when it is none of them.
     */
    private static int known(byte[] bytes, int from, int to) {
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
                int b = bytes[from + i];
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
    private static long contentLength(byte[] bytes, int from, int to, long previous)
            throws BadResponseException {
        long length = UNTIL_CLOSE;
        for (int start = from, end; start <= to; start = end + 1) {
            end = start;
            while (end < to && bytes[end] != ',') {
                end++;
            }
            long one = digits(bytes, start, end);
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
    private static long digits(byte[] bytes, int from, int to) throws BadResponseException {
        from = trimStart(bytes, from, to);
        to = trimEnd(bytes, from, to);
        if (from == to || to - from > 18) {
            throw new BadResponseException("an invalid Content-Length");
        }
        long n = 0;
        for (int i = from; i < to; i++) {
            int digit = bytes[i] - '0';
            if (digit < 0 || digit > 9) {
                throw new BadResponseException("an invalid Content-Length");
            }
            n = n * 10 + digit;
        }
        return n;
    }

    /** Returns whether a comma-separated element of {@code bytes[from, to)}, trimmed, is {@code token} in any case. */
    private static boolean hasToken(byte[] bytes, int from, int to, byte[] token) {
        for (int start = from, end; start <= to; start = end + 1) {
            end = start;
            while (end < to && bytes[end] != ',') {
                end++;
            }
            int first = trimStart(bytes, start, end);
            if (equalsIgnoreCase(bytes, first, trimEnd(bytes, first, end), token)) {
                return true;
            }
        }
        return false;
    }

    /** Compares field text with a lower-case token of letters and '-', ignoring ASCII case as HTTP does. */
    private static boolean equalsIgnoreCase(byte[] bytes, int from, int to, byte[] token) {
        if (to - from != token.length) {
            return false;
        }
        for (int i = 0; i < token.length; i++) {
            if ((bytes[from + i] | 0x20) != token[i]) { // no byte but CR, which ends a line, folds onto '-'
                return false;
            }
        }
        return true;
    }

    /**
     * Returns the index of the CR ending the line at {@code from}, refusing control characters other than HTAB (DEL
     * included) before it: a reason phrase or a field value. It skips eight bytes at a time while none is one.
     */
    private static int textEnd(byte[] bytes, int from, int to) throws BadResponseException {
        int i = from;
        while (to - i >= 8 && !hasControl((long) LONGS.get(bytes, i))) {
            i += 8;
        }
        for (; ; i++) {
            int c = bytes[i] & 0xff;
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

    /** Returns whether any of the eight bytes of {@code word} is CR or LF. */
    private static boolean hasCrOrLf(long word) {
        return anyBelow(word ^ EACH * '\r', 1) || anyBelow(word ^ EACH * '\n', 1);
    }

    /** Returns whether any of the eight bytes of {@code word} is a control character: below 0x20, or DEL. */
    private static boolean hasControl(long word) {
        return anyBelow(word, 0x20) || anyBelow(word ^ EACH * 0x7f, 1);
    }

    /**
     * Returns whether any of the eight bytes of {@code word}, unsigned, is below {@code n} (at most 128); exact for
     * "any", as a borrow marks a byte only above one that is below. A byte equal to b is one below 1 in
     * {@code word ^ EACH * b}.
     */
    private static boolean anyBelow(long word, int n) {
        return ((word - EACH * n) & ~word & EACH * 0x80) != 0;
    }

    /** Returns {@code bytes[from, to)} as Latin-1 text. */
    private static String text(byte[] bytes, int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1);
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

    /** Returns the first index in {@code bytes[from, to)} past its leading spaces and tabs. */
    private static int trimStart(byte[] bytes, int from, int to) {
        while (from < to && isSpace(bytes[from])) {
            from++;
        }
        return from;
    }

    /** Returns the end of {@code bytes[from, to)} without its trailing spaces and tabs. */
    private static int trimEnd(byte[] bytes, int from, int to) {
        while (to > from && isSpace(bytes[to - 1])) {
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

    private static boolean startsWith(byte[] bytes, String prefix) {
        for (int i = 0; i < prefix.length(); i++) {
            if (bytes[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
