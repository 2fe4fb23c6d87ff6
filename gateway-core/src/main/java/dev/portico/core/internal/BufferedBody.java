package dev.portico.core.internal;

import dev.portico.core.Body;
import dev.portico.core.GatewayException;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A body held in memory. */
public final class BufferedBody implements Body {

    public static final BufferedBody EMPTY = new BufferedBody(new byte[0]);

    private final byte[] bytes;

    public BufferedBody(byte[] bytes) {
        this.bytes = bytes;
    }

    @Override
    public long length() {
        return bytes.length;
    }

    @Override
    public boolean isBuffered() {
        return true;
    }

    @Override
    public CompletionStage<byte[]> bytes(long maxBytes) {
        if (bytes.length > maxBytes) {
            return CompletableFuture.failedFuture(GatewayException.payloadTooLarge(maxBytes));
        }
        return CompletableFuture.completedFuture(bytes);
    }

    /** Returns the bytes without a copy; callers must not change them. */
    public byte[] array() {
        return bytes;
    }

    @Override
    public String toString() {
        return "Body{" + bytes.length + " bytes}";
    }
}
