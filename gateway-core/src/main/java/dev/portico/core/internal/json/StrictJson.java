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

/** Reads one strict JSON document from UTF-8 bytes, refusing malformed UTF-8, lenient syntax and trailing data. */
public final class StrictJson {

    private StrictJson() {
    }

    /** Returns the document, or {@code null} when the bytes are not exactly one strict JSON document in UTF-8. */
    public static JsonElement parse(byte[] bytes) {
        try {
            CharBuffer text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            JsonReader reader = new JsonReader(new CharArrayReader(text.array(), text.position(), text.remaining()));
            reader.setStrictness(Strictness.STRICT);
            JsonElement document = JsonParser.parseReader(reader);
            return reader.peek() == JsonToken.END_DOCUMENT ? document : null;
        } catch (JsonParseException | IOException | IllegalStateException e) { // CharacterCodingException: IOException
            return null;
        }
    }
}
