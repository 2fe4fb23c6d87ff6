package dev.portico.core.internal.http;

import com.google.gson.Gson;
import com.google.gson.JsonObject;

/** The JSON the gateway writes itself. */
public final class Json {

    private static final Gson GSON = new Gson();

    private Json() {
    }

    /** Returns {@code {"error":error,"message":message}} with both strings escaped. */
    public static String error(String error, String message) {
        JsonObject body = new JsonObject();
        body.addProperty("error", error);
        body.addProperty("message", message);
        return body.toString();
    }

    /** Returns {@code {"error":error,"message":message,"requestId":requestId}}, every string escaped. */
    public static String error(String error, String message, String requestId) {
        JsonObject body = new JsonObject();
        body.addProperty("error", error);
        body.addProperty("message", message);
        body.addProperty("requestId", requestId);
        return body.toString();
    }

    /** Returns a value serialized with Gson's defaults. */
    public static String write(Object value) {
        return GSON.toJson(value);
    }
}
