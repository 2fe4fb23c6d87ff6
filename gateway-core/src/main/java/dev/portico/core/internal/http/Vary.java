package dev.portico.core.internal.http;

import dev.portico.core.Headers;

import java.util.List;

/** Reads a message's {@code Vary} field: whether it already lists a request header, or {@code *}. */
public final class Vary {

    private Vary() {
    }

    /** Returns whether a {@code Vary} value of these headers lists {@code name} (in any case) or {@code *}. */
    public static boolean lists(Headers headers, String name) {
        List<String> values = headers.getAll("Vary");
        for (int v = 0; v < values.size(); v++) {
            String value = values.get(v);
            int start = 0;
            while (start <= value.length()) {
                int comma = value.indexOf(',', start);
                int end = comma < 0 ? value.length() : comma;
                int from = start;
                int to = end;
                while (from < to && (value.charAt(from) == ' ' || value.charAt(from) == '\t')) {
                    from++;
                }
                while (to > from && (value.charAt(to - 1) == ' ' || value.charAt(to - 1) == '\t')) {
                    to--;
                }
                int length = to - from;
                if (length == 1 && value.charAt(from) == '*'
                        || length == name.length() && value.regionMatches(true, from, name, 0, length)) {
                    return true;
                }
                start = end + 1;
            }
        }
        return false;
    }
}
