package dev.portico.core.aggregate;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A dotted path into a JSON value, parsed once: a name selects an object's field, a number an array's element,
 * {@code *} every element or field value; a name met on an array applies to each of its elements.
 */
final class JsonPath {

    static final String ANY = "*";

    private final String text;
    private final String[] segments;

    private JsonPath(String text, String[] segments) {
        this.text = text;
        this.segments = segments;
    }

    /** Parses {@code a.b.0.c} or {@code items.*.id}; throws on an empty path or an empty segment. */
    static JsonPath parse(String text) {
        Objects.requireNonNull(text, "path");
        String[] segments = text.split("\\.", -1);
        for (String segment : segments) {
            if (segment.isEmpty()) {
                throw new IllegalArgumentException("path: \"" + text + "\" (expected: dot-separated names, indexes or *)");
            }
        }
        return new JsonPath(text, segments);
    }

    String first() {
        return segments[0];
    }

    /** Returns this path without its first segment, or {@code null} for a one-segment path. */
    JsonPath rest() {
        if (segments.length == 1) {
            return null;
        }
        int dot = text.indexOf('.');
        String[] rest = new String[segments.length - 1];
        System.arraycopy(segments, 1, rest, 0, rest.length);
        return new JsonPath(text.substring(dot + 1), rest);
    }

    String last() {
        return segments[segments.length - 1];
    }

    /**
     * Returns the value at this path, or {@code null} when there is none; a path that crosses an array by a name or
     * {@code *} returns the array of the values found.
     */
    JsonElement get(JsonElement root) {
        return get(root, 0);
    }

    private JsonElement get(JsonElement node, int at) {
        if (node == null || node.isJsonNull()) {
            return at == segments.length ? node : null;
        }
        if (at == segments.length) {
            return node;
        }
        String segment = segments[at];
        if (node.isJsonArray()) {
            JsonArray array = node.getAsJsonArray();
            int index = index(segment);
            if (index >= 0) {
                return index < array.size() ? get(array.get(index), at + 1) : null;
            }
            int next = segment.equals(ANY) ? at + 1 : at;
            JsonArray found = new JsonArray(array.size());
            for (JsonElement element : array) {
                JsonElement value = get(element, next);
                if (value != null) {
                    found.add(value);
                }
            }
            return found;
        }
        if (node.isJsonObject()) {
            JsonObject object = node.getAsJsonObject();
            if (segment.equals(ANY)) {
                JsonArray found = new JsonArray(object.size());
                for (Map.Entry<String, JsonElement> field : object.entrySet()) {
                    JsonElement value = get(field.getValue(), at + 1);
                    if (value != null) {
                        found.add(value);
                    }
                }
                return found;
            }
            return get(object.get(segment), at + 1);
        }
        return null;
    }

    /**
     * Calls {@code action} with every object that holds, or would hold, the last segment; with {@code create},
     * missing objects on the way are added.
     */
    void forEachParent(JsonElement root, boolean create, Consumer<JsonObject> action) {
        parents(root, 0, create, action);
    }

    private void parents(JsonElement node, int at, boolean create, Consumer<JsonObject> action) {
        if (node == null) {
            return;
        }
        if (node.isJsonArray()) {
            JsonArray array = node.getAsJsonArray();
            String segment = segments[at];
            int index = at < segments.length - 1 ? index(segment) : -1;
            if (index >= 0) {
                if (index < array.size()) {
                    parents(array.get(index), at + 1, create, action);
                }
                return;
            }
            int next = segment.equals(ANY) && at < segments.length - 1 ? at + 1 : at;
            for (JsonElement element : array) {
                parents(element, next, create, action);
            }
            return;
        }
        if (!node.isJsonObject()) {
            return;
        }
        JsonObject object = node.getAsJsonObject();
        if (at == segments.length - 1) {
            action.accept(object);
            return;
        }
        String segment = segments[at];
        if (segment.equals(ANY)) {
            for (Map.Entry<String, JsonElement> field : new ArrayList<>(object.entrySet())) {
                parents(field.getValue(), at + 1, create, action);
            }
            return;
        }
        JsonElement child = object.get(segment);
        if ((child == null || child.isJsonNull()) && create) {
            child = new JsonObject();
            object.add(segment, child);
        }
        parents(child, at + 1, create, action);
    }

    /** Returns the segments, for building trees of paths. */
    List<String> segments() {
        return List.of(segments);
    }

    /** Returns the string form of a scalar JSON value, or {@code null} for null, an object or an array. */
    static String scalar(JsonElement value) {
        return value != null && value.isJsonPrimitive() ? value.getAsString() : null;
    }

    static JsonElement orNull(JsonElement value) {
        return value == null ? JsonNull.INSTANCE : value;
    }

    private static int index(String segment) {
        if (segment.length() > 9) {
            return -1;
        }
        for (int i = 0; i < segment.length(); i++) {
            if (segment.charAt(i) < '0' || segment.charAt(i) > '9') {
                return -1;
            }
        }
        return Integer.parseInt(segment);
    }

    @Override
    public String toString() {
        return text;
    }
}
