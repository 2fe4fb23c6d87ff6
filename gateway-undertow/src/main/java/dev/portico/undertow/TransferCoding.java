package dev.portico.undertow;

import dev.portico.core.GatewayException;

/**
 * The request Transfer-Encoding rule (RFC 9112 6.1, 6.3): exactly one coding, {@code chunked}, whatever its case.
 * Undertow frames any other value as chunked (or, for {@code identity}, as "until the connection closes"), so a
 * request that breaks the rule is refused before anything reads its body, and its connection is closed.
 */
final class TransferCoding {

    private TransferCoding() {
    }

    /** Returns the error for these Transfer-Encoding field values, or {@code null} when they are just chunked. */
    static GatewayException refusal(Iterable<String> values) {
        int codings = 0;
        boolean chunkedLast = false;
        boolean chunkedEarlier = false;
        for (String value : values) {
            int start = 0;
            while (start <= value.length()) {
                int comma = value.indexOf(',', start);
                int end = comma < 0 ? value.length() : comma;
                int from = start;
                while (from < end && isSpace(value.charAt(from))) {
                    from++;
                }
                while (end > from && isSpace(value.charAt(end - 1))) {
                    end--;
                }
                if (from < end) {
                    codings++;
                    chunkedEarlier |= chunkedLast;
                    chunkedLast = end - from == 7 && value.regionMatches(true, from, "chunked", 0, 7);
                }
                start = comma < 0 ? value.length() + 1 : comma + 1;
            }
        }
        if (chunkedLast && codings == 1) {
            return null;
        }
        if (!chunkedLast) {
            return GatewayException.badRequest("the request body's length is unknown: Transfer-Encoding must end with chunked");
        }
        if (chunkedEarlier) {
            return GatewayException.badRequest("Transfer-Encoding applies chunked more than once");
        }
        return new GatewayException(501, "not_implemented", "no transfer coding but chunked is supported");
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }
}
