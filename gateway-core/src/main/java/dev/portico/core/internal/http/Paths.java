package dev.portico.core.internal.http;

import dev.portico.core.GatewayException;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** Canonical request paths: strict validation and decoding of what clients send, and encoding of what filters set. */
public final class Paths {

    private static final boolean[] SEGMENT_SAFE = new boolean[128];
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    static {
        String safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,=:@";
        for (int i = 0; i < safe.length(); i++) {
            SEGMENT_SAFE[safe.charAt(i)] = true;
        }
    }

    private Paths() {
    }

    /**
     * Returns the decoded form of a raw request path, or throws a 400 {@link GatewayException} when the path is
     * ambiguous: not absolute, a raw or encoded backslash, an encoded slash, NUL or other control character,
     * invalid percent-encoding or UTF-8, a {@code ;} parameter, a dot segment or an empty segment (a single
     * trailing slash is allowed, and distinct from no slash).
     */
    public static String canonical(String raw) {
        if (raw.isEmpty() || raw.charAt(0) != '/') {
            throw GatewayException.badRequest("path must start with '/'");
        }
        boolean encoded = false;
        int segmentStart = 1;
        int length = raw.length();
        for (int i = 1; i <= length; i++) {
            char c = i < length ? raw.charAt(i) : '/';
            if (c == '/') {
                checkSegment(raw, segmentStart, i, i == length);
                segmentStart = i + 1;
            } else if (c == '%') {
                encoded = true;
            } else if (c >= 128 || !SEGMENT_SAFE[c]) {
                throw GatewayException.badRequest(c == ';' ? "path parameters (';') are not accepted"
                        : c == '\\' ? "backslash in path" : "invalid character in path");
            }
        }
        return encoded ? decodeStrict(raw) : raw;
    }

    private static void checkSegment(String raw, int start, int end, boolean last) {
        int n = end - start;
        if (n == 0 && !(last && start > 1)) {
            if (start == 1 && end == raw.length()) {
                return; // the root path "/"
            }
            throw GatewayException.badRequest("empty path segment");
        }
        if ((n == 1 && raw.charAt(start) == '.') || (n == 2 && raw.charAt(start) == '.' && raw.charAt(start + 1) == '.')) {
            throw GatewayException.badRequest("dot segment in path");
        }
    }

    private static String decodeStrict(String raw) {
        byte[] bytes = new byte[raw.length()];
        int n = 0;
        int segmentStart = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '%') {
                if (c == '/') {
                    checkDecodedSegment(bytes, segmentStart, n);
                    segmentStart = n + 1;
                }
                bytes[n++] = (byte) c;
                continue;
            }
            int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
            int lo = hi >= 0 ? Character.digit(raw.charAt(i + 2), 16) : -1;
            if (lo < 0) {
                throw GatewayException.badRequest("invalid percent-encoding in path");
            }
            int b = (hi << 4) | lo;
            if (b == '/' || b == '\\') {
                throw GatewayException.badRequest("encoded slash or backslash in path");
            }
            if (b < 0x20 || b == 0x7f) {
                throw GatewayException.badRequest("encoded control character in path");
            }
            bytes[n++] = (byte) b;
            i += 2;
        }
        checkDecodedSegment(bytes, segmentStart, n);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, n))
                    .toString();
        } catch (CharacterCodingException e) {
            throw GatewayException.badRequest("path is not valid UTF-8");
        }
    }

    private static void checkDecodedSegment(byte[] bytes, int start, int end) {
        int n = end - start;
        if ((n == 1 && bytes[start] == '.') || (n == 2 && bytes[start] == '.' && bytes[start + 1] == '.')) {
            throw GatewayException.badRequest("dot segment in path");
        }
    }

    /** Decodes a raw path leniently (a path that a filter set, not one a client sent). */
    public static String decode(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            int hi = c == '%' && i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
            int lo = hi >= 0 ? Character.digit(raw.charAt(i + 2), 16) : -1;
            if (lo >= 0) {
                out.write((hi << 4) | lo);
                i += 2;
            } else {
                byte[] chunk = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(chunk, 0, chunk.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Percent-encodes a decoded path, segment by segment, keeping its slashes. */
    public static String encode(String path) {
        if (path.isEmpty() || path.charAt(0) != '/') {
            throw new IllegalArgumentException("path: " + path + " (expected: starts with '/')");
        }
        return encodeText(path);
    }

    /** Percent-encodes text for a path, keeping its slashes. */
    public static String encodeText(String path) {
        StringBuilder out = null;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            boolean safe = c == '/' || (c < 128 && SEGMENT_SAFE[c]);
            if (safe) {
                if (out != null) {
                    out.append(c);
                }
                continue;
            }
            if (out == null) {
                out = new StringBuilder(path.length() + 16).append(path, 0, i);
            }
            int end = Character.isHighSurrogate(c) && i + 1 < path.length() ? i + 2 : i + 1;
            for (byte b : path.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                out.append('%').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
            }
            i = end - 1;
        }
        return out == null ? path : out.toString();
    }

    /** Percent-encodes one path segment, so that it cannot introduce a slash. */
    public static String encodeSegment(String segment) {
        return encodeText(segment).replace("/", "%2F");
    }

    /** Checks a raw path that code (not a client) sets: absolute, and no characters that break a request line. */
    public static String checkRaw(String rawPath) {
        Objects.requireNonNull(rawPath, "rawPath");
        if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            throw new IllegalArgumentException("rawPath: " + rawPath + " (expected: starts with '/')");
        }
        for (int i = 0; i < rawPath.length(); i++) {
            char c = rawPath.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '?' || c == '#') {
                throw new IllegalArgumentException("rawPath: " + rawPath + " (expected: percent-encoded, no query)");
            }
        }
        return rawPath;
    }

    private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"};

    /** Returns a method name in upper case, after checking that it is an HTTP token; the common ones without a copy. */
    public static String method(String method) {
        for (String known : METHODS) {
            if (known.equals(method)) {
                return known;
            }
        }
        return token(method, "method").toUpperCase(java.util.Locale.ROOT);
    }

    /** Checks that a value is a non-empty HTTP token, such as a method name. */
    public static String token(String value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isEmpty()) {
            throw new IllegalArgumentException(what + ": empty (expected: an HTTP token)");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c <= ' ' || c >= 0x7f || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0) {
                throw new IllegalArgumentException(what + ": " + value + " (expected: an HTTP token)");
            }
        }
        return value;
    }
}
