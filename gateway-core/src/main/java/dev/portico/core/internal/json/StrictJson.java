package dev.portico.core.internal.json;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.CharArrayReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/** Reads one strict JSON document from UTF-8 bytes, refusing malformed UTF-8, lenient syntax and trailing data. */
public final class StrictJson {

    private StrictJson() {
    }

    /** Returns the document, or {@code null} when the bytes are not exactly one strict JSON document in UTF-8. */
    public static JsonElement parse(byte[] bytes) {
        try {
            JsonReader reader = reader(bytes);
            JsonElement document = JsonParser.parseReader(reader);
            return reader.peek() == JsonToken.END_DOCUMENT ? document : null;
        } catch (JsonParseException | IOException | IllegalStateException e) { // CharacterCodingException: IOException
            return null;
        }
    }

    /**
     * Returns whether the bytes are one strict JSON document in UTF-8 in which no object names a member twice: parsers
     * differ on which of two values they keep, so a signed document that has two must not be read at all.
     */
    public static boolean hasUniqueNames(byte[] bytes) {
        try {
            JsonReader reader = reader(bytes);
            return uniqueNames(reader) && reader.peek() == JsonToken.END_DOCUMENT;
        } catch (IOException | IllegalStateException e) {
            return false;
        }
    }

    private static boolean uniqueNames(JsonReader reader) throws IOException {
        switch (reader.peek()) {
            case BEGIN_OBJECT -> {
                reader.beginObject();
                Set<String> names = new HashSet<>();
                while (reader.hasNext()) {
                    if (!names.add(reader.nextName()) || !uniqueNames(reader)) {
                        return false;
                    }
                }
                reader.endObject();
            }
            case BEGIN_ARRAY -> {
                reader.beginArray();
                while (reader.hasNext()) {
                    if (!uniqueNames(reader)) {
                        return false;
                    }
                }
                reader.endArray();
            }
            default -> reader.skipValue();
        }
        return true;
    }

    private static JsonReader reader(byte[] bytes) throws IOException {
        CharBuffer text = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes));
        JsonReader reader = new JsonReader(new CharArrayReader(text.array(), text.position(), text.remaining()));
        reader.setStrictness(Strictness.STRICT);
        return reader;
    }
}
