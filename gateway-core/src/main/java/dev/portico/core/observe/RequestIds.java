package dev.portico.core.observe;

import dev.portico.core.Headers;

import java.security.SecureRandom;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How the gateway identifies each request: a client's id in the header is kept when it is a sane token (1 to 128
 * characters of {@code [A-Za-z0-9._:-]}), else one is generated; the id is passed to upstreams, set on the response
 * and carried as {@code requestId} in every JSON error the gateway answers.
 */
public final class RequestIds {

    /** The longest client id kept. */
    public static final int MAX_LENGTH = 128;

    private static final RequestIds DEFAULTS = new RequestIds("X-Request-Id");
    private static final RequestIds DISABLED = new RequestIds(null);

    /** A random prefix drawn once per process, so that ids of two gateway processes do not collide. */
    private static final String PREFIX = prefix();
    private static final AtomicLong SEQUENCE = new AtomicLong();

    private final String header;

    private RequestIds(String header) {
        this.header = header;
    }

    /** Returns the default: ids in {@code X-Request-Id}. */
    public static RequestIds defaults() {
        return DEFAULTS;
    }

    /** Returns request ids carried in this header instead of {@code X-Request-Id}. */
    public static RequestIds header(String name) {
        Headers.of(Objects.requireNonNull(name, "name"), ""); // throws unless an HTTP token
        return new RequestIds(name);
    }

    /** Returns no request ids: no header is read, generated or set, and errors carry no {@code requestId}. */
    public static RequestIds disabled() {
        return DISABLED;
    }

    /** Returns whether request ids are on. */
    public boolean enabled() {
        return header != null;
    }

    /** Returns the header that carries the id, or {@code null} when disabled. */
    public String headerName() {
        return header;
    }

    /** Returns the client's id when it is a sane token, else a new one. */
    public String resolve(String fromClient) {
        return sane(fromClient) ? fromClient : generate();
    }

    /** Returns whether a client's id is kept: 1 to 128 characters of {@code [A-Za-z0-9._:-]}. */
    public static boolean sane(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '.' || c == '_' || c == ':' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns a new id: a random per-process prefix and a sequence number, in hex; unique within the process and,
     * with 64 random bits, across processes, at the cost of an increment per request.
     */
    public static String generate() {
        return PREFIX + Long.toHexString(SEQUENCE.incrementAndGet());
    }

    private static String prefix() {
        String hex = Long.toHexString(new SecureRandom().nextLong());
        return "0".repeat(16 - hex.length()) + hex + '-';
    }

    @Override
    public String toString() {
        return header == null ? "RequestIds[disabled]" : "RequestIds[" + header + "]";
    }
}
