package dev.portico.core;

import java.util.Objects;

/** The headers of a request or response builder: kept as given until the first edit, then copied once and edited. */
final class HeaderEditor {

    private Headers headers;
    private Headers.Builder builder;

    HeaderEditor(Headers headers) {
        this.headers = headers;
    }

    /** Replaces all headers, dropping any edits. */
    void replace(Headers headers) {
        this.headers = Objects.requireNonNull(headers, "headers");
        this.builder = null;
    }

    /** Returns the builder that edits the headers, copying them on the first call. */
    Headers.Builder edit() {
        if (builder == null) {
            builder = headers.toBuilder();
        }
        return builder;
    }

    /** Returns the headers with every edit applied. */
    Headers build() {
        if (builder != null) {
            headers = builder.build();
            builder = null;
        }
        return headers;
    }
}
