package dev.portico.core.internal;

import com.google.gson.JsonObject;

/** The JSON the gateway writes itself. */
public final class Json {

    private Json() {
    }

    /** Returns {@code {"error":error,"message":message}} with both strings escaped. */
    public static String error(String error, String message) {
        JsonObject body = new JsonObject();
        body.addProperty("error", error);
        body.addProperty("message", message);
        return body.toString();
    }
}
