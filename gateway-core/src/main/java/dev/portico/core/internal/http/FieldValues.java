package dev.portico.core.internal.http;

import java.nio.charset.StandardCharsets;

/**
 * Turns text the gateway makes into a header value (a claim, a decoded path capture) into the form every field value
 * takes in {@code Headers}: one char per octet, as a request's own fields are read.
 */
public final class FieldValues {

    private FieldValues() {
    }

    /**
     * Returns the text as its UTF-8 octets, one char each, so that text beyond ASCII reaches the upstream as UTF-8,
     * and distinct texts stay distinct (a writer sends only the low byte of each char); ASCII text as it is.
     */
    public static String utf8(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) > 0x7f) {
                return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
            }
        }
        return text;
    }
}
