package dev.portico.core.internal.routing;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Lazy lookups in a raw query string; nothing is parsed until a parameter is asked for. */
public final class Query {

    private Query() {
    }

    /** Returns the first decoded value of {@code name} in {@code rawQuery}, or {@code null}. */
    public static String first(String rawQuery, String name) {
        List<String> all = scan(rawQuery, name, true);
        return all.isEmpty() ? null : all.get(0);
    }

    /** Returns every decoded value of {@code name} in {@code rawQuery}. */
    public static List<String> all(String rawQuery, String name) {
        return scan(rawQuery, name, false);
    }

    private static List<String> scan(String rawQuery, String name, boolean firstOnly) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return List.of();
        }
        List<String> values = new ArrayList<>(1);
        int start = 0;
        while (start <= rawQuery.length()) {
            int end = rawQuery.indexOf('&', start);
            if (end < 0) {
                end = rawQuery.length();
            }
            int eq = rawQuery.indexOf('=', start);
            int nameEnd = eq < 0 || eq > end ? end : eq;
            if (nameEnd > start && decode(rawQuery.substring(start, nameEnd)).equals(name)) {
                values.add(nameEnd == end ? "" : decode(rawQuery.substring(nameEnd + 1, end)));
                if (firstOnly) {
                    break;
                }
            }
            start = end + 1;
        }
        return values;
    }

    private static String decode(String part) {
        if (part.indexOf('%') < 0 && part.indexOf('+') < 0) {
            return part;
        }
        try {
            return URLDecoder.decode(part, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return part; // invalid percent-encoding: compare and return it as sent
        }
    }
}
