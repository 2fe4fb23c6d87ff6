package dev.portico.core.internal;

import dev.portico.core.Body;
import dev.portico.core.Headers;
import dev.portico.core.Request;

/**
 * Package-private parts of {@code dev.portico.core} that other core packages need, registered by their owner as it
 * initializes (the JDK's "shared secrets" pattern), so that they stay off the public API.
 */
public final class CoreAccess {

    private static volatile RequestAccess requests;

    private CoreAccess() {
    }

    /** What {@link Request} opens to the rest of core. */
    public interface RequestAccess {

        /** Returns a request whose raw path is taken unchecked and stands for its path until the gateway decodes it. */
        Request received(String method, String rawPath, String rawQuery, String scheme, Headers headers, Body body);
    }

    /** Registers {@link Request}'s access; called once, by {@link Request} as it initializes. */
    public static void requests(RequestAccess access) {
        requests = access;
    }

    /** Returns {@link Request}'s access, initializing {@link Request} first if needed. */
    public static RequestAccess requests() {
        RequestAccess access = requests;
        if (access == null) {
            initialize(Request.class);
            access = requests;
        }
        return access;
    }

    private static void initialize(Class<?> type) {
        try {
            Class.forName(type.getName(), true, type.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
