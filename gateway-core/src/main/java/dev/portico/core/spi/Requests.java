package dev.portico.core.spi;

import dev.portico.core.Body;
import dev.portico.core.Headers;
import dev.portico.core.Request;
import dev.portico.core.internal.CoreAccess;

import java.util.Objects;

/**
 * Requests as a server adapter receives them: the raw path is taken exactly as the client sent it, and
 * {@link Exchanges#start} checks it and sets the canonical decoded path.
 *
 * <pre>{@code
 * Request request = Requests.of("GET", "/api/users/ann%20b", "page=2", "http", "1.1", headers, body);
 * }</pre>
 */
public final class Requests {

    private Requests() {
    }

    /**
     * Returns a request with this method, raw path and raw query (without {@code ?}, or {@code null} for none), as
     * received over this scheme and HTTP version ({@code 1.1}, {@code 1.0}); until {@link Exchanges#start} decodes
     * it, {@link Request#path()} is the raw path.
     */
    public static Request of(String method, String rawPath, String rawQuery, String scheme, String httpVersion,
                             Headers headers, Body body) {
        Objects.requireNonNull(rawPath, "rawPath");
        return CoreAccess.requests().received(method, rawPath, rawQuery, scheme, httpVersion, headers, body);
    }
}
