package dev.portico.core.transform;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A compiled path to values in a JSON document, such as {@code items[].price}: field names separated by dots, each
 * optionally followed by {@code []} for every element of that array; a leading {@code []} stands for the elements
 * of a document that is an array.
 */
final class FieldPath {

    /** What an edit does where the path ends: at a field of an object, or at an element of an array. */
    interface Target {

        /** Edits the field {@code name} of {@code parent}, which may be absent. */
        void field(JsonObject parent, String name);

        /** Edits the element at {@code index} of {@code array}. */
        void element(JsonArray array, int index);
    }

    /** A step that stands for every element of an array; the other steps are field names. */
    private static final String EACH = "[]";

    private final String text;
    private final String[] steps;

    private FieldPath(String text, String[] steps) {
        this.text = text;
        this.steps = steps;
    }

    /** Parses a path, or throws {@link IllegalArgumentException} naming what is wrong. */
    static FieldPath parse(String text) {
        Objects.requireNonNull(text, "path");
        List<String> steps = new ArrayList<>();
        int start = 0;
        while (true) {
            int dot = text.indexOf('.', start);
            String part = text.substring(start, dot < 0 ? text.length() : dot);
            int bracket = part.indexOf('[');
            String name = bracket < 0 ? part : part.substring(0, bracket);
            if (name.isEmpty() && (start > 0 || bracket < 0) || name.indexOf(']') >= 0) {
                throw invalid(text);
            }
            if (!name.isEmpty()) {
                steps.add(name);
            }
            for (int i = bracket < 0 ? part.length() : bracket; i < part.length(); i += 2) {
                if (!part.startsWith(EACH, i)) {
                    throw invalid(text);
                }
                steps.add(EACH);
            }
            if (dot < 0) {
                break;
            }
            start = dot + 1;
        }
        return new FieldPath(text, steps.toArray(new String[0]));
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("path: " + text
                + " (expected: field names separated by '.', each optionally followed by [], such as items[].price)");
    }

    /** Returns whether the path ends at a field name rather than at the elements of an array. */
    boolean endsAtField() {
        return steps[steps.length - 1] != EACH;
    }

    /**
     * Calls the target where the path ends in {@code document}, once per array element the path goes through;
     * skips a branch where a value is missing or of another kind, except that {@code create} adds a missing object
     * on the way to a field.
     */
    void visit(JsonElement document, boolean create, Target target) {
        walk(document, 0, create, target);
    }

    private void walk(JsonElement node, int step, boolean create, Target target) {
        String name = steps[step];
        boolean last = step == steps.length - 1;
        if (name == EACH) {
            if (!node.isJsonArray()) {
                return;
            }
            JsonArray array = node.getAsJsonArray();
            for (int i = 0; i < array.size(); i++) {
                if (last) {
                    target.element(array, i);
                } else {
                    walk(array.get(i), step + 1, create, target);
                }
            }
            return;
        }
        if (!node.isJsonObject()) {
            return;
        }
        JsonObject object = node.getAsJsonObject();
        if (last) {
            target.field(object, name);
            return;
        }
        JsonElement child = object.get(name);
        if (child == null && create && steps[step + 1] != EACH) {
            child = new JsonObject();
            object.add(name, child);
        }
        if (child != null) {
            walk(child, step + 1, create, target);
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
