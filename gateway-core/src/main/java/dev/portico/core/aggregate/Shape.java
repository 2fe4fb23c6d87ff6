package dev.portico.core.aggregate;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.portico.core.internal.json.JsonEdit;
import dev.portico.core.internal.json.JsonPath;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * An immutable list of operations on a JSON value, applied in the order they were added; a path is dotted names
 * ({@code address.city}), where a number selects an array element ({@code items.0}), {@code *} every element or
 * field value, and a name met on an array applies to each element ({@code items.id} is every item's id).
 *
 * <pre>{@code
 * Shape shape = Shape.builder().unwrap("data").allow("id", "name", "address.city").rename("name", "title").build();
 * }</pre>
 *
 * <p>{@link #apply} may change the value it is given; pass a {@code deepCopy()} to keep the original.
 */
public final class Shape implements UnaryOperator<JsonElement> {

    private static final Shape IDENTITY = builder().build();

    private final List<UnaryOperator<JsonElement>> operations;

    private Shape(Builder b) {
        this.operations = List.copyOf(b.operations);
    }

    /** Returns a new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the shape that changes nothing. */
    public static Shape identity() {
        return IDENTITY;
    }

    /** Returns the shaped value: each operation applied in turn; never {@code null} ({@code JsonNull} instead). */
    @Override
    public JsonElement apply(JsonElement value) {
        JsonElement shaped = Objects.requireNonNullElse(value, JsonNull.INSTANCE);
        for (int i = 0; i < operations.size(); i++) {
            shaped = Objects.requireNonNullElse(operations.get(i).apply(shaped), JsonNull.INSTANCE);
        }
        return shaped;
    }

    /** A builder of {@link Shape}. */
    public static final class Builder {

        private final List<UnaryOperator<JsonElement>> operations = new ArrayList<>();

        private Builder() {
        }

        /** Replaces the value by the value at this path, such as a container field ({@code data}); null when absent. */
        public Builder unwrap(String path) {
            JsonPath at = JsonPath.parse(path);
            operations.add(at::get);
            return this;
        }

        /**
         * Replaces an array by its element at {@code index}; a negative index counts from the end ({@code -1} is the
         * last); null when there is no such element or the value is not an array.
         */
        public Builder element(int index) {
            operations.add(value -> {
                if (!value.isJsonArray()) {
                    return JsonNull.INSTANCE;
                }
                JsonArray array = value.getAsJsonArray();
                int at = index < 0 ? array.size() + index : index;
                return at >= 0 && at < array.size() ? array.get(at) : JsonNull.INSTANCE;
            });
            return this;
        }

        /** Keeps only these paths (an allow-list) and the objects and arrays that lead to them. */
        public Builder allow(String... paths) {
            Node tree = new Node();
            for (String path : Objects.requireNonNull(paths, "paths")) {
                tree.add(JsonPath.parse(path).segments(), 0);
            }
            operations.add(tree::keep);
            return this;
        }

        /** Removes these paths (a deny-list): fields, or the array elements a final number or {@code *} selects. */
        public Builder deny(String... paths) {
            for (String path : Objects.requireNonNull(paths, "paths")) {
                operations.add(JsonEdit.remove(JsonPath.parse(path)));
            }
            return this;
        }

        /** Renames the field at this path, which ends in a name, to {@code name}, in the same object and position. */
        public Builder rename(String path, String name) {
            operations.add(JsonEdit.rename(JsonPath.parse(path), name));
            return this;
        }

        /**
         * Sets the field at this path, which ends in a name, to a copy of {@code value}, adding the objects that lead to
         * it if missing (a null or any other value on the way is left alone).
         */
        public Builder set(String path, JsonElement value) {
            operations.add(JsonEdit.set(JsonPath.parse(path), value));
            return this;
        }

        /**
         * Applies {@code shape} to each element of the array at this path (or at each place it reaches); an absent or
         * non-array value is kept.
         */
        public Builder map(String path, Shape shape) {
            operations.add(JsonEdit.map(JsonPath.parse(path), eachElement(shape)));
            return this;
        }

        /** Applies {@code shape} to each element of the value, when it is an array. */
        public Builder map(Shape shape) {
            operations.add(eachElement(shape));
            return this;
        }

        /** Adds an operation of your own; it may change the value it is given and returns the result. */
        public Builder then(UnaryOperator<JsonElement> operation) {
            operations.add(Objects.requireNonNull(operation, "operation"));
            return this;
        }

        /** Returns the shape. */
        public Shape build() {
            return new Shape(this);
        }

        /** Returns an operation that applies {@code shape} to each element of an array and keeps any other value. */
        private static UnaryOperator<JsonElement> eachElement(Shape shape) {
            Objects.requireNonNull(shape, "shape");
            return value -> {
                if (!value.isJsonArray()) {
                    return value;
                }
                JsonArray shaped = new JsonArray(value.getAsJsonArray().size());
                for (JsonElement element : value.getAsJsonArray()) {
                    shaped.add(shape.apply(element));
                }
                return shaped;
            };
        }
    }

    /** An allow-list as a tree: a node either keeps its whole value or keeps only its children. */
    private static final class Node {
        private boolean whole;
        private boolean indexes; // whether a child is an array index: only then is an element's index looked up
        private final Map<String, Node> children = new LinkedHashMap<>();

        void add(List<String> segments, int at) {
            if (at == segments.size()) {
                whole = true;
                return;
            }
            indexes |= !segments.get(at).isEmpty() && segments.get(at).chars().allMatch(c -> c >= '0' && c <= '9');
            children.computeIfAbsent(segments.get(at), name -> new Node()).add(segments, at + 1);
        }

        JsonElement keep(JsonElement value) {
            if (whole) {
                return value;
            }
            if (value.isJsonArray()) {
                return keepElements(value.getAsJsonArray());
            }
            if (!value.isJsonObject()) {
                return JsonNull.INSTANCE;
            }
            JsonObject object = value.getAsJsonObject();
            JsonObject kept = new JsonObject();
            Node any = children.get(JsonPath.ANY);
            for (Map.Entry<String, JsonElement> field : object.entrySet()) {
                Node child = children.getOrDefault(field.getKey(), any);
                if (child != null) {
                    kept.add(field.getKey(), child.keep(field.getValue()));
                }
            }
            return kept;
        }

        private JsonElement keepElements(JsonArray array) {
            Node any = children.get(JsonPath.ANY);
            boolean indexed = false;
            JsonArray kept = new JsonArray(array.size());
            for (int i = 0; i < array.size(); i++) {
                Node child = indexes ? children.get(Integer.toString(i)) : null;
                indexed |= child != null;
                if (child != null || any != null) {
                    kept.add((child != null ? child : any).keep(array.get(i)));
                }
            }
            if (indexed || any != null) {
                return kept;
            }
            for (JsonElement element : array) { // names applied to an array apply to each element
                kept.add(keep(element));
            }
            return kept;
        }
    }
}
