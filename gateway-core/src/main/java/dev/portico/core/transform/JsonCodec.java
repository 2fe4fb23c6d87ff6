package dev.portico.core.transform;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import dev.portico.core.Headers;

import java.nio.charset.StandardCharsets;

/** Strict JSON in and out as UTF-8 bytes, and what the headers say about a body's media type and encoding. */
final class JsonCodec {

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

    private JsonCodec() {
    }

    /** Returns whether a {@code Content-Type} names JSON: {@code application/json} or any {@code +json} type. */
    static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int end = contentType.indexOf(';');
        if (end < 0) {
            end = contentType.length();
        }
        while (end > 0 && contentType.charAt(end - 1) == ' ') {
            end--;
        }
        int start = 0;
        while (start < end && contentType.charAt(start) == ' ') {
            start++;
        }
        String json = "application/json";
        if (end - start == json.length()) {
            return contentType.regionMatches(true, start, json, 0, json.length());
        }
        int slash = contentType.indexOf('/', start);
        return slash > start && slash < end - 5 && contentType.regionMatches(true, end - 5, "+json", 0, 5);
    }

    /** Returns the body's {@code Content-Encoding} when it is other than {@code identity}, or {@code null}. */
    static String encoding(Headers headers) {
        String encoding = headers.get("Content-Encoding");
        return encoding == null || encoding.isBlank() || encoding.trim().equalsIgnoreCase("identity") ? null : encoding;
    }

    /** Writes a document as compact UTF-8 JSON, nulls included. */
    static byte[] write(JsonElement document) {
        return GSON.toJson(document).getBytes(StandardCharsets.UTF_8);
    }

    /** Returns a value as a JSON tree: a {@link JsonElement} as a copy, anything else serialized with Gson. */
    static JsonElement tree(Object value) {
        return value instanceof JsonElement element ? element.deepCopy() : GSON.toJsonTree(value);
    }
}
