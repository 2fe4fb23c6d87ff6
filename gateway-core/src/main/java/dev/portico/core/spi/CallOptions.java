package dev.portico.core.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * How one upstream call is bounded.
 *
 * @param upstream        the upstream's name, for errors and logs (never an address: errors reach clients)
 * @param connectTimeout  how long to wait for a new connection
 * @param responseTimeout how long to wait for the response headers once the request is sent
 * @param maxRequestBody  the most request body bytes to forward; more fails the call with 413
 */
public record CallOptions(String upstream, Duration connectTimeout, Duration responseTimeout, long maxRequestBody) {

    public CallOptions {
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(responseTimeout, "responseTimeout");
    }
}
