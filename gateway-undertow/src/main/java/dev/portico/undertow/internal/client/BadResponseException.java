package dev.portico.undertow.internal.client;

import java.io.IOException;

/** An upstream response the gateway refuses to forward; its message names the fault and is safe to show clients. */
final class BadResponseException extends IOException {

    BadResponseException(String fault) {
        super(fault, null);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // an upstream's fault, not the gateway's: no stack to keep
    }
}
