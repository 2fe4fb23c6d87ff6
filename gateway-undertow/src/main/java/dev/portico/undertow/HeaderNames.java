package dev.portico.undertow;

import io.undertow.util.HttpString;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Header names in Undertow's form, remembered for the first {@value #MAX} distinct names the adapter writes, so that
 * a name Undertow has no constant for (such as {@code X-Request-Id}) is not converted again on every response.
 */
final class HeaderNames {

    static final int MAX = 1024;

    private static final ConcurrentHashMap<String, HttpString> NAMES = new ConcurrentHashMap<>();

    private HeaderNames() {
    }

    /** Returns {@code name} as Undertow's {@link HttpString}; past the bound, a new one each time. */
    static HttpString of(String name) {
        HttpString known = NAMES.get(name);
        if (known == null) {
            known = HttpString.tryFromString(name);
            if (NAMES.size() < MAX) {
                NAMES.putIfAbsent(name, known);
            }
        }
        return known;
    }
}
