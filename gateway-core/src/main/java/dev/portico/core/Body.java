package dev.portico.core;

import dev.portico.core.internal.BufferedBody;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;

/**
 * A message body that is either buffered in memory or streamed once from the network; reading it never blocks.
 *
 * <p>Proxied bodies stream by default. A filter that needs the bytes asks for them with a bound:
 * {@code request.body().bytes(64 * 1024)} completes with the whole body, or fails with a 413
 * {@link GatewayException} once the body is known to be larger.
 */
public interface Body {

    /** Returns the length in bytes when it is known in advance, or {@code -1}. */
    long length();

    /** Returns whether the bytes are in memory, so reading them is immediate and repeatable. */
    boolean isBuffered();

    /**
     * Reads the whole body, at most {@code maxBytes} of it; a streamed body can be read only once.
     * The stage fails with a 413 {@link GatewayException} when the body is larger.
     */
    CompletionStage<byte[]> bytes(long maxBytes);

    /** Returns the empty body. */
    static Body empty() {
        return BufferedBody.EMPTY;
    }

    /** Returns a buffered body of these bytes, which the caller must not change afterwards. */
    static Body of(byte[] bytes) {
        return bytes.length == 0 ? BufferedBody.EMPTY : new BufferedBody(bytes);
    }

    /** Returns a buffered body of this text in UTF-8. */
    static Body of(String text) {
        return of(text.getBytes(StandardCharsets.UTF_8));
    }
}
