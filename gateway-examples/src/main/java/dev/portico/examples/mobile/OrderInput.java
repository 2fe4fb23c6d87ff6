package dev.portico.examples.mobile;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The body of {@code POST /orders}, parsed strictly: one JSON object without duplicate names, a string
 * {@code productId} and an integer {@code quantity} from 1 to {@value #MAX_QUANTITY}; other fields are ignored.
 *
 * @param productId the product id, not yet checked against the catalog
 * @param quantity  how many
 */
record OrderInput(String productId, int quantity) {

    static final int MAX_QUANTITY = 1000;

    /** The reason, for the client, why a body is not a valid order. */
    static final class Invalid extends Exception {

        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    /** Parses a request body, or throws {@link Invalid} saying what is wrong with it. */
    static OrderInput parse(byte[] body) throws Invalid {
        Map<String, JsonElement> fields = fields(body);
        return new OrderInput(productId(fields.get("productId")), quantity(fields.get("quantity")));
    }

    private static Map<String, JsonElement> fields(byte[] body) throws Invalid {
        InputStreamReader utf8 = new InputStreamReader(new ByteArrayInputStream(body), StandardCharsets.UTF_8.newDecoder());
        try (JsonReader reader = new JsonReader(utf8)) {
            reader.setStrictness(Strictness.STRICT);
            if (reader.peek() != JsonToken.BEGIN_OBJECT) {
                throw new Invalid("the body must be a JSON object");
            }
            Map<String, JsonElement> fields = new HashMap<>();
            reader.beginObject();
            while (reader.hasNext()) {
                String name = reader.nextName();
                if (fields.put(name, JsonParser.parseReader(reader)) != null) {
                    throw new Invalid("the field " + name + " appears more than once");
                }
            }
            reader.endObject();
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new Invalid("the body must be a single JSON object");
            }
            return fields;
        } catch (IOException | JsonParseException | IllegalStateException e) {
            throw new Invalid("the body is not valid JSON");
        }
    }

    private static String productId(JsonElement value) throws Invalid {
        if (value == null || value.isJsonNull()) {
            throw new Invalid("productId is required");
        }
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
            throw new Invalid("productId must be a string");
        }
        return value.getAsString();
    }

    private static int quantity(JsonElement value) throws Invalid {
        if (value == null || value.isJsonNull()) {
            throw new Invalid("quantity is required");
        }
        JsonPrimitive primitive = value.isJsonPrimitive() ? value.getAsJsonPrimitive() : null;
        BigDecimal number = primitive != null && primitive.isNumber() ? primitive.getAsBigDecimal() : null;
        if (number == null || (number.signum() != 0 && number.stripTrailingZeros().scale() > 0)) {
            throw new Invalid("quantity must be an integer");
        }
        if (number.compareTo(BigDecimal.ONE) < 0 || number.compareTo(BigDecimal.valueOf(MAX_QUANTITY)) > 0) {
            throw new Invalid("quantity must be from 1 to " + MAX_QUANTITY);
        }
        return number.intValueExact();
    }
}
