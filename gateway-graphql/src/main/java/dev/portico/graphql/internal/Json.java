package dev.portico.graphql.internal;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.Strictness;
import com.google.gson.ToNumberPolicy;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;

/** JSON as plain Java values (maps, lists, strings, longs or doubles, booleans, null), read strictly. */
public final class Json {

    private static final Gson GSON = new GsonBuilder()
            .serializeNulls()
            .disableHtmlEscaping()
            .setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE)
            .create();

    private static final TypeAdapter<Object> VALUES = GSON.getAdapter(Object.class);

    private Json() {
    }

    /** Returns the value of this JSON text; throws {@link IllegalArgumentException} when it is not one JSON value. */
    public static Object parse(String text) {
        try {
            JsonReader reader = new JsonReader(new StringReader(text));
            reader.setStrictness(Strictness.STRICT);
            Object value = VALUES.read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new IllegalArgumentException("more than one JSON value");
            }
            return value;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not JSON", e);
        }
    }

    /** Returns the JSON text of this value, nulls included. */
    public static String write(Object value) {
        return GSON.toJson(value);
    }
}
