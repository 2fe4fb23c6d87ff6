package dev.portico.core.internal.json;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * One change made in place at every place a {@link JsonPath} reaches: remove and map act on fields and on array
 * elements (a path ending in a number or {@code *}), rename, set and add on fields only (a path ending in a name).
 */
public final class JsonEdit implements UnaryOperator<JsonElement> {

    private final JsonPath path;
    private final boolean create;
    private final JsonPath.Target target;

    private JsonEdit(JsonPath path, boolean create, JsonPath.Target target) {
        this.path = path;
        this.create = create;
        this.target = target;
    }

    /** Applies the edit to the document in place and returns it. */
    @Override
    public JsonElement apply(JsonElement document) {
        path.visit(document, create, target);
        return document;
    }

    /** Renames a field, keeping its place among its object's fields; a field already named so is replaced. */
    public static JsonEdit rename(JsonPath path, String name) {
        requireName(path, "rename");
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.indexOf('.') >= 0) {
            throw new IllegalArgumentException("name: \"" + name + "\" (expected: a field name without dots, not a path)");
        }
        return new JsonEdit(path, false, (object, old) -> {
            if (!object.has(old) || old.equals(name)) {
                return;
            }
            object.remove(name);
            List<Map.Entry<String, JsonElement>> fields = new ArrayList<>(object.entrySet());
            for (Map.Entry<String, JsonElement> field : fields) {
                object.remove(field.getKey());
            }
            for (Map.Entry<String, JsonElement> field : fields) {
                object.add(field.getKey().equals(old) ? name : field.getKey(), field.getValue());
            }
        });
    }

    /** Removes a field, or an array element (the later ones move up). */
    public static JsonEdit remove(JsonPath path) {
        return new JsonEdit(path, false, new JsonPath.Target() {
            @Override
            public void field(JsonObject object, String name) {
                object.remove(name);
            }

            @Override
            public void element(JsonArray array, int index) {
                array.remove(index);
            }
        });
    }

    /** Sets a field to a copy of the value, replacing any value it has, and adds the objects missing on the way. */
    public static JsonEdit set(JsonPath path, JsonElement value) {
        requireName(path, "set");
        Objects.requireNonNull(value, "value");
        return new JsonEdit(path, true, (object, name) -> object.add(name, value.deepCopy()));
    }

    /** Adds a field set to a copy of the value where it is absent, and the objects missing on the way. */
    public static JsonEdit add(JsonPath path, JsonElement value) {
        requireName(path, "add");
        Objects.requireNonNull(value, "value");
        return new JsonEdit(path, true, (object, name) -> {
            if (!object.has(name)) {
                object.add(name, value.deepCopy());
            }
        });
    }

    /**
     * Replaces each value the path reaches, a present field or an element, with the function's result; {@code null}
     * removes a field and makes an element JSON null.
     */
    public static JsonEdit map(JsonPath path, UnaryOperator<JsonElement> function) {
        Objects.requireNonNull(function, "function");
        return new JsonEdit(path, false, new JsonPath.Target() {
            @Override
            public void field(JsonObject object, String name) {
                JsonElement value = object.get(name);
                if (value == null) {
                    return;
                }
                JsonElement mapped = function.apply(value);
                if (mapped == null) {
                    object.remove(name);
                } else {
                    object.add(name, mapped);
                }
            }

            @Override
            public void element(JsonArray array, int index) {
                JsonElement mapped = function.apply(array.get(index));
                array.set(index, mapped == null ? JsonNull.INSTANCE : mapped);
            }
        });
    }

    private static void requireName(JsonPath path, String edit) {
        if (!path.endsAtName()) {
            throw new IllegalArgumentException(edit + ": " + path
                    + " (expected: a path ending in a field name, not a number or *; only remove and map edit elements)");
        }
    }
}
