package dev.portico.core.internal.http;

import java.nio.charset.StandardCharsets;

/**
 * Field rules shared by the gateway's parts: whether a name is an HTTP token, and text the gateway makes into a
 * header value (a claim, a decoded path capture) in the form every field value takes in {@code Headers}: one char
 * per octet, as a request's own fields are read.
 */
public final class FieldValues {

    private FieldValues() {
    }

    /** Returns whether a name is an HTTP token (RFC 9110 5.6.2): one or more tchars, as a field name must be. */
    public static boolean isToken(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0)) {
                return false;
            }
        }
        return true;
    }

    /** Returns whether a value holds no control character but HTAB: nothing that could end or fold a field. */
    public static boolean isSafe(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                return false;
            }
        }
        return true;
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
