package dev.portico.core.internal.json;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A dotted path into a JSON value, parsed once: on an object a segment selects the field of that name and {@code *}
 * every field's value; on an array a number selects an element, {@code *} every element, and a name applies to each
 * element. A dot always separates segments, so a field whose name contains one cannot be reached.
 */
public final class JsonPath {

    /** The segment that stands for every element of an array or every field value of an object. */
    public static final String ANY = "*";

    private static final int NAME = -1;
    private static final int EVERY = -2;

    private final String text;
    private final String[] segments;
    private final int[] indexes; // per segment: the array index, NAME or EVERY

    private JsonPath(String text, String[] segments, int[] indexes) {
        this.text = text;
        this.segments = segments;
        this.indexes = indexes;
    }

    /** Parses {@code a.b.0.c} or {@code items.*.id}, or throws {@link IllegalArgumentException} naming the path. */
    public static JsonPath parse(String text) {
        Objects.requireNonNull(text, "path");
        String[] segments = text.split("\\.", -1);
        int[] indexes = new int[segments.length];
        for (int i = 0; i < segments.length; i++) {
            if (segments[i].isEmpty()) {
                throw new IllegalArgumentException("path: \"" + text
                        + "\" (expected: names, indexes or * separated by single dots, such as items.*.price)");
            }
            indexes[i] = segments[i].equals(ANY) ? EVERY : index(segments[i]);
        }
        return new JsonPath(text, segments, indexes);
    }

    /** Returns the first segment. */
    public String first() {
        return segments[0];
    }

    /** Returns this path without its first segment, or {@code null} for a one-segment path. */
    public JsonPath rest() {
        if (segments.length == 1) {
            return null;
        }
        int n = segments.length - 1;
        String[] rest = new String[n];
        int[] restIndexes = new int[n];
        System.arraycopy(segments, 1, rest, 0, n);
        System.arraycopy(indexes, 1, restIndexes, 0, n);
        return new JsonPath(text.substring(text.indexOf('.') + 1), rest, restIndexes);
    }

    /** Returns the segments, for building trees of paths. */
    public List<String> segments() {
        return List.of(segments);
    }

    /** Returns whether the last segment is a name, neither a number nor {@code *}. */
    boolean endsAtName() {
        return indexes[indexes.length - 1] == NAME;
    }

    /**
     * Returns the value at this path, or {@code null} when there is none; a path that crosses an array by a name or
     * {@code *}, or an object by {@code *}, returns the array of the values found.
     */
    public JsonElement get(JsonElement root) {
        return get(root, 0);
    }

    private JsonElement get(JsonElement node, int at) {
        if (node == null || node.isJsonNull()) {
            return at == segments.length ? node : null;
        }
        if (at == segments.length) {
            return node;
        }
        if (node.isJsonArray()) {
            JsonArray array = node.getAsJsonArray();
            int index = indexes[at];
            if (index >= 0) {
                return index < array.size() ? get(array.get(index), at + 1) : null;
            }
            int next = index == EVERY ? at + 1 : at;
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
            if (indexes[at] == EVERY) {
                JsonArray found = new JsonArray(object.size());
                for (Map.Entry<String, JsonElement> field : object.entrySet()) {
                    JsonElement value = get(field.getValue(), at + 1);
                    if (value != null) {
                        found.add(value);
                    }
                }
                return found;
            }
            return get(object.get(segments[at]), at + 1);
        }
        return null;
    }

    /** What an edit does at each place the path's last segment reaches. */
    interface Target {

        /** Edits the field {@code name} of {@code object}, which may be absent. */
        void field(JsonObject object, String name);

        /** Edits the element at {@code index} of {@code array}; nothing for the edits of fields only. */
        default void element(JsonArray array, int index) {
        }
    }

    /**
     * Calls {@code target} at every place the last segment reaches in {@code root}; a branch where a value is
     * absent or of another kind is skipped, except that {@code create} adds a missing object for a name followed
     * by a name.
     */
    void visit(JsonElement root, boolean create, Target target) {
        walk(root, 0, create, target);
    }

    private void walk(JsonElement node, int at, boolean create, Target target) {
        boolean last = at == segments.length - 1;
        int index = indexes[at];
        if (node.isJsonArray()) {
            JsonArray array = node.getAsJsonArray();
            if (index >= 0) {
                if (index < array.size()) {
                    if (last) {
                        target.element(array, index);
                    } else {
                        walk(array.get(index), at + 1, create, target);
                    }
                }
            } else if (index == EVERY && last) {
                int i = 0;
                while (i < array.size()) {
                    int size = array.size();
                    target.element(array, i);
                    if (array.size() == size) { // else the element was removed, and the next one has its index
                        i++;
                    }
                }
            } else {
                int next = index == EVERY ? at + 1 : at; // a name applies to each element
                for (JsonElement element : array) {
                    walk(element, next, create, target);
                }
            }
            return;
        }
        if (!node.isJsonObject()) {
            return;
        }
        JsonObject object = node.getAsJsonObject();
        if (index == EVERY) {
            for (String name : new ArrayList<>(object.keySet())) {
                if (last) {
                    target.field(object, name);
                } else {
                    walk(object.get(name), at + 1, create, target);
                }
            }
            return;
        }
        String name = segments[at];
        if (last) {
            target.field(object, name);
            return;
        }
        JsonElement child = object.get(name);
        if (child == null && create && index == NAME && indexes[at + 1] == NAME) {
            child = new JsonObject();
            object.add(name, child);
        }
        if (child != null) {
            walk(child, at + 1, create, target);
        }
    }

    private static int index(String segment) {
        if (segment.length() > 9) {
            return NAME;
        }
        for (int i = 0; i < segment.length(); i++) {
            if (segment.charAt(i) < '0' || segment.charAt(i) > '9') {
                return NAME;
            }
        }
        return Integer.parseInt(segment);
    }

    @Override
    public String toString() {
        return text;
    }
}
