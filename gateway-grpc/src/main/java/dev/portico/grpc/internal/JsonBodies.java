package dev.portico.grpc.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.TypeRegistry;
import com.google.protobuf.util.JsonFormat;
import dev.portico.core.GatewayException;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;

/** Reads request bodies into messages and writes messages as JSON, by proto3's JSON mapping (protobuf-java-util). */
public final class JsonBodies {

    private static final int MAX_DETAIL = 200;

    private final JsonFormat.Parser parser;
    private final JsonFormat.Printer printer;
    private final JsonFormat.Printer printerWithDefaults;
    private final boolean preserveProtoFieldNames;

    /**
     * Creates the reader and writer.
     *
     * @param types                   the message types {@code google.protobuf.Any} may hold
     * @param ignoreUnknownFields     whether a body's unknown fields are ignored rather than refused
     * @param preserveProtoFieldNames whether output uses proto field names ({@code display_name}) over JSON names
     * @param includeDefaultValues    whether output includes fields at their default value
     */
    public JsonBodies(TypeRegistry types, boolean ignoreUnknownFields, boolean preserveProtoFieldNames,
                      boolean includeDefaultValues) {
        JsonFormat.Parser parser = JsonFormat.parser().usingTypeRegistry(types);
        this.parser = ignoreUnknownFields ? parser.ignoringUnknownFields() : parser;
        this.preserveProtoFieldNames = preserveProtoFieldNames;
        JsonFormat.Printer printer = JsonFormat.printer().usingTypeRegistry(types).omittingInsignificantWhitespace();
        if (preserveProtoFieldNames) {
            printer = printer.preservingProtoFieldNames();
        }
        this.printerWithDefaults = printer.alwaysPrintFieldsWithNoPresence();
        this.printer = includeDefaultValues ? printerWithDefaults : printer;
    }

    /**
     * Merges a request body into the message: the whole message for {@code field == null} (body {@code "*"}), else
     * that top-level field; an empty body sets nothing. The body is checked in one streaming pass before any message
     * is built, so that what it costs to build is bounded by the limits rather than by the body's size alone.
     *
     * @param maxDepth  the deepest nesting of arrays and objects taken ({@code {"a":[1]}} is 2 deep)
     * @param maxValues the most JSON values taken, counting every object, array, string, number, boolean and null
     * @throws GatewayException 400 when the body is not UTF-8, is not one strict JSON value (no duplicate names,
     *                          nothing after it, no lone surrogate in a string), is over a limit, or does not fit the
     *                          message: an unknown field, a value of the wrong type
     */
    public void merge(byte[] body, Message.Builder message, FieldDescriptor field, int maxDepth, int maxValues) {
        String text = decode(body);
        if (text.isBlank()) {
            return;
        }
        check(text, maxDepth, maxValues);
        try {
            if (field == null) {
                parser.merge(text, message);
            } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !field.isRepeated()) {
                Message.Builder nested = ((Message) message.getField(field)).toBuilder();
                parser.merge(text, nested);
                message.setField(field, nested.build());
            } else {
                parser.merge("{\"" + field.getJsonName() + "\":" + text + '}', message);
            }
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw GatewayException.badRequest("the body does not fit " + message.getDescriptorForType().getFullName()
                    + ": " + detail(e));
        }
    }

    private static String detail(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.length() <= MAX_DETAIL ? message : message.substring(0, MAX_DETAIL) + "...";
    }

    /** Returns the body as text, refusing what is not UTF-8 rather than replacing it with U+FFFD. */
    static String decode(byte[] body) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body))
                    .toString();
        } catch (CharacterCodingException e) {
            throw GatewayException.badRequest("the body is not valid UTF-8");
        }
    }

    /**
     * Refuses what is not one JSON value in strict syntax, has an object with a name twice or a string with a lone
     * surrogate (an escape such as <code>"&#92;ud800"</code>, which protobuf would send as {@code ?}; the strict
     * decoder already refused an encoded one), nests arrays and objects deeper than {@code maxDepth}, or has more
     * than {@code maxValues} values: one streaming pass that holds no more than the names of the open objects.
     */
    static void check(String body, int maxDepth, int maxValues) {
        try (JsonReader reader = new JsonReader(new StringReader(body))) {
            reader.setStrictness(Strictness.STRICT);
            Deque<Set<String>> objects = new ArrayDeque<>();
            int values = 0;
            do {
                JsonToken token = reader.peek();
                if (token != JsonToken.NAME && token != JsonToken.END_OBJECT && token != JsonToken.END_ARRAY
                        && ++values > maxValues) {
                    throw GatewayException.badRequest("the body has more than " + maxValues + " JSON values");
                }
                switch (token) {
                    case BEGIN_OBJECT, BEGIN_ARRAY -> {
                        if (objects.size() == maxDepth) {
                            throw GatewayException.badRequest("the body nests arrays and objects deeper than "
                                    + maxDepth + " levels");
                        }
                        if (token == JsonToken.BEGIN_OBJECT) {
                            reader.beginObject();
                            objects.push(new HashSet<>());
                        } else {
                            reader.beginArray();
                            objects.push(Set.of());
                        }
                    }
                    case END_OBJECT -> {
                        reader.endObject();
                        objects.pop();
                    }
                    case END_ARRAY -> {
                        reader.endArray();
                        objects.pop();
                    }
                    case NAME -> {
                        String name = reader.nextName();
                        if (!objects.peek().add(name)) {
                            throw GatewayException.badRequest("the body is not valid JSON: the name " + shorten(name)
                                    + " appears twice in an object");
                        }
                    }
                    case STRING -> reader.nextString(); // not skipValue(): this checks the string's surrogates
                    default -> reader.skipValue();
                }
            } while (!objects.isEmpty());
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw GatewayException.badRequest("the body is not valid JSON: it has more than one value");
            }
        } catch (IOException | IllegalStateException | com.google.gson.JsonParseException e) {
            // Gson's strict mode refuses an escaped surrogate without its pair when it reads the string
            if (e.getMessage() != null && e.getMessage().contains("surrogate")) {
                throw GatewayException.badRequest("the body is not valid JSON: a string has a lone surrogate"
                        + " (\\uD800-\\uDFFF without its pair)");
            }
            throw GatewayException.badRequest("the body is not valid JSON");
        }
    }

    private static String shorten(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }

    /** Writes the message as JSON. */
    public String print(MessageOrBuilder message) {
        try {
            return printer.print(message);
        } catch (InvalidProtocolBufferException e) {
            throw GatewayException.badGateway("the upstream's answer cannot be written as JSON");
        }
    }

    /**
     * Writes one top-level field of the message as JSON ({@code response_body}); a field at its default value is
     * written as such ({@code []}, {@code {}}, {@code 0}, {@code ""}), an unset message field as {@code null}. A
     * message or a list of messages is written directly; other fields through the whole message's JSON.
     */
    public String print(MessageOrBuilder message, FieldDescriptor field) {
        if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !field.isMapField()
                && !field.getMessageType().getFullName().startsWith("google.protobuf.")) {
            if (!field.isRepeated()) {
                return message.hasField(field) ? print((MessageOrBuilder) message.getField(field)) : "null";
            }
            int count = message.getRepeatedFieldCount(field);
            StringBuilder list = new StringBuilder(count * 128 + 2).append('[');
            for (int i = 0; i < count; i++) {
                if (i > 0) {
                    list.append(',');
                }
                list.append(print((MessageOrBuilder) message.getRepeatedField(field, i)));
            }
            return list.append(']').toString();
        }
        String name = preserveProtoFieldNames ? field.getName() : field.getJsonName();
        JsonElement value = JsonParser.parseString(print(message)).getAsJsonObject().get(name);
        if (value == null && printer != printerWithDefaults) {
            try {
                value = JsonParser.parseString(printerWithDefaults.print(message)).getAsJsonObject().get(name);
            } catch (InvalidProtocolBufferException e) {
                throw GatewayException.badGateway("the upstream's answer cannot be written as JSON");
            }
        }
        return value == null ? "null" : value.toString();
    }
}
