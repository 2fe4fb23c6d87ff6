package dev.portico.undertow.internal.client;

import dev.portico.core.Headers;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

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

    /** Parses the head in {@code bytes[from, to)}, which a {@link Scanner} found complete. */
    static ResponseHead parse(byte[] bytes, int from, int to) throws BadResponseException {
        int line = lineEnd(bytes, from);
        if (line - from < 12 || !startsWith(bytes, from, "HTTP/1.") || bytes[from + 8] != ' '
                || (bytes[from + 7] != '1' && bytes[from + 7] != '0')) {
            throw new BadResponseException("a malformed status line");
        }
        boolean http11 = bytes[from + 7] == '1';
        int status = 0;
        for (int i = from + 9; i < from + 12; i++) {
            int digit = bytes[i] - '0';
            if (digit < 0 || digit > 9) {
                throw new BadResponseException("a malformed status line");
            }
            status = status * 10 + digit;
        }
        if (status < 100 || status > 599) {
            throw new BadResponseException("status " + status + " (expected: 100-599)");
        }
        if (line > from + 12 && bytes[from + 12] != ' ') {
            throw new BadResponseException("a malformed status line");
        }
        checkText(bytes, from + 12, line);

        Headers.Builder headers = Headers.builder();
        long length = UNTIL_CLOSE;
        boolean chunked = false;
        boolean close = !http11;
        for (int start = line + 2; start < to - 2; start = line + 2) {
            line = lineEnd(bytes, start);
            int colon = start;
            while (colon < line && bytes[colon] != ':') {
                int c = bytes[colon] & 0xff;
                if (c >= 128 || !TOKEN[c]) {
                    throw new BadResponseException(colon == start && (c == ' ' || c == '\t')
                            ? "a folded header line" : "a malformed header name");
                }
                colon++;
            }
            if (colon == start || colon == line) {
                throw new BadResponseException("a malformed header line");
            }
            int valueStart = colon + 1;
            int valueEnd = line;
            while (valueStart < valueEnd && isSpace(bytes[valueStart])) {
                valueStart++;
            }
            while (valueEnd > valueStart && isSpace(bytes[valueEnd - 1])) {
                valueEnd--;
            }
            checkText(bytes, valueStart, valueEnd);
            String name = new String(bytes, start, colon - start, StandardCharsets.ISO_8859_1);
            String value = new String(bytes, valueStart, valueEnd - valueStart, StandardCharsets.ISO_8859_1);
            if (name.equalsIgnoreCase("Content-Length")) {
                length = contentLength(value, length);
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                if (chunked || !value.equalsIgnoreCase("chunked")) {
                    throw new BadResponseException("Transfer-Encoding: " + value + " (expected: chunked)");
                }
                chunked = true;
                continue; // this connection's own framing: the client connection gets its own
            } else if (name.equalsIgnoreCase("Connection")) {
                if (hasToken(value, "close")) {
                    close = true;
                } else if (!http11 && hasToken(value, "keep-alive")) {
                    close = false;
                }
                if (value.equalsIgnoreCase("close") || value.equalsIgnoreCase("keep-alive")) {
                    continue; // this connection's own state, nothing to forward
                }
            }
            headers.add(name, value);
        }
        if (chunked) {
            if (length != UNTIL_CLOSE) {
                throw new BadResponseException("both Content-Length and Transfer-Encoding");
            }
            length = CHUNKED;
        }
        return new ResponseHead(status, headers.build(), length, !close);
    }

    private static long contentLength(String value, long previous) throws BadResponseException {
        long length = UNTIL_CLOSE;
        int start = 0;
        for (int i = 0; i <= value.length(); i++) {
            if (i == value.length() || value.charAt(i) == ',') {
                long one = digits(value.substring(start, i).trim());
                if (length != UNTIL_CLOSE && one != length) {
                    throw new BadResponseException("conflicting Content-Length values");
                }
                length = one;
                start = i + 1;
            }
        }
        if (previous != UNTIL_CLOSE && previous != length) {
            throw new BadResponseException("conflicting Content-Length values");
        }
        return length;
    }

    private static long digits(String value) throws BadResponseException {
        if (value.isEmpty() || value.length() > 18) {
            throw new BadResponseException("an invalid Content-Length");
        }
        long n = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                throw new BadResponseException("an invalid Content-Length");
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    private static boolean hasToken(String value, String token) {
        int start = 0;
        for (int i = 0; i <= value.length(); i++) {
            if (i == value.length() || value.charAt(i) == ',') {
                if (value.substring(start, i).trim().equalsIgnoreCase(token)) {
                    return true;
                }
                start = i + 1;
            }
        }
        return false;
    }

    private static int lineEnd(byte[] bytes, int from) {
        int i = from;
        while (bytes[i] != '\r') {
            i++;
        }
        return i;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t';
    }

    /** Refuses control characters other than HTAB (DEL included) in a reason phrase or field value. */
    private static void checkText(byte[] bytes, int from, int to) throws BadResponseException {
        for (int i = from; i < to; i++) {
            int c = bytes[i] & 0xff;
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                throw new BadResponseException("a control character in its response head");
            }
        }
    }

    private static boolean startsWith(byte[] bytes, int from, String prefix) {
        for (int i = 0; i < prefix.length(); i++) {
            if (bytes[from + i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
