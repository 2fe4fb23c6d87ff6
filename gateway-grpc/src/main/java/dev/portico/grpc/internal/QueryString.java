package dev.portico.grpc.internal;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The parameters of a raw query string, decoded, by name in order of first appearance. */
public final class QueryString {

    private QueryString() {
    }

    /**
     * Parses a raw query ({@code a=1&b=x%20y&a=2}); {@code +} is a space, and a name without {@code =} has the empty
     * value.
     *
     * @throws IllegalArgumentException for a malformed percent escape
     */
    public static Map<String, List<String>> parse(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return Map.of();
        }
        Map<String, List<String>> params = new LinkedHashMap<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = decode(equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
            params.computeIfAbsent(name, n -> new ArrayList<>(1)).add(value);
        }
        return params;
    }

    private static String decode(String text) {
        return text.indexOf('%') < 0 && text.indexOf('+') < 0 ? text : URLDecoder.decode(text, StandardCharsets.UTF_8);
    }
}
