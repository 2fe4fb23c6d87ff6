package dev.portico.core.transform;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** One change to a JSON document in place, at every place its path reaches. */
abstract class JsonEdit implements FieldPath.Target {

    private final FieldPath path;
    private final boolean create;

    private JsonEdit(FieldPath path, boolean create) {
        this.path = path;
        this.create = create;
    }

    /** Applies the edit to the document, in place. */
    final void apply(JsonElement document) {
        path.visit(document, create, this);
    }

    @Override
    public void element(JsonArray array, int index) {
        throw new IllegalStateException("edit of a field reached an array element: " + path);
    }

    /** Renames a field, keeping its place among its object's fields; a field already named so is replaced. */
    static JsonEdit rename(FieldPath path, String name) {
        requireField(path, "rename");
        return new JsonEdit(path, false) {
            @Override
            public void field(JsonObject parent, String old) {
                if (!parent.has(old) || old.equals(name)) {
                    return;
                }
                parent.remove(name);
                List<Map.Entry<String, JsonElement>> fields = new ArrayList<>(parent.entrySet());
                for (Map.Entry<String, JsonElement> field : fields) {
                    parent.remove(field.getKey());
                }
                for (Map.Entry<String, JsonElement> field : fields) {
                    parent.add(field.getKey().equals(old) ? name : field.getKey(), field.getValue());
                }
            }
        };
    }

    /** Removes a field. */
    static JsonEdit remove(FieldPath path) {
        requireField(path, "remove");
        return new JsonEdit(path, false) {
            @Override
            public void field(JsonObject parent, String name) {
                parent.remove(name);
            }
        };
    }

    /** Sets a field to a copy of the value, replacing any value it has, and adds the objects missing on the way. */
    static JsonEdit set(FieldPath path, JsonElement value) {
        requireField(path, "set");
        return new JsonEdit(path, true) {
            @Override
            public void field(JsonObject parent, String name) {
                parent.add(name, value.deepCopy());
            }
        };
    }

    /** Adds a field set to a copy of the value where it is absent, and the objects missing on the way. */
    static JsonEdit add(FieldPath path, JsonElement value) {
        requireField(path, "add");
        return new JsonEdit(path, true) {
            @Override
            public void field(JsonObject parent, String name) {
                if (!parent.has(name)) {
                    parent.add(name, value.deepCopy());
                }
            }
        };
    }

    /** Replaces each value the path reaches with the function's result; {@code null} removes a field. */
    static JsonEdit map(FieldPath path, UnaryOperator<JsonElement> function) {
        return new JsonEdit(path, false) {
            @Override
            public void field(JsonObject parent, String name) {
                JsonElement value = parent.get(name);
                if (value == null) {
                    return;
                }
                JsonElement mapped = function.apply(value);
                if (mapped == null) {
                    parent.remove(name);
                } else {
                    parent.add(name, mapped);
                }
            }

            @Override
            public void element(JsonArray array, int index) {
                JsonElement mapped = function.apply(array.get(index));
                array.set(index, mapped == null ? JsonNull.INSTANCE : mapped);
            }
        };
    }

    private static void requireField(FieldPath path, String edit) {
        if (!path.endsAtField()) {
            throw new IllegalArgumentException("path: " + path + " (expected: a field name at the end for " + edit
                    + "; only map takes a path ending in [])");
        }
    }
}
