package dev.portico.undertow.internal.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Chunked bodies decoded in place, whatever the read boundaries, and refused at the first deviation. */
class ChunkedDecoderTest {

    /** Decodes the input fed in pieces of {@code step} bytes; returns the payload, or throws. */
    private static String decode(String chunked, int step) throws BadResponseException {
        byte[] bytes = chunked.getBytes(StandardCharsets.ISO_8859_1);
        ChunkedDecoder decoder = new ChunkedDecoder(64);
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        for (int from = 0; from < bytes.length && !decoder.isDone(); from += step) {
            ByteBuffer piece = ByteBuffer.wrap(bytes, from, Math.min(step, bytes.length - from));
            for (long n = decoder.next(piece); n > 0; n = decoder.next(piece)) {
                payload.write(bytes, piece.position(), (int) n);
                piece.position(piece.position() + (int) n);
                decoder.consumed(n);
            }
        }
        assertThat(decoder.isDone()).as("the last chunk was read").isTrue();
        return payload.toString(StandardCharsets.ISO_8859_1);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7, 1000})
    void decodesAcrossAnyReadBoundaries(int step) throws Exception {
        String chunked = "5\r\nhello\r\n1;name=value\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n";

        assertThat(decode(chunked, step)).isEqualTo("hello 0123456789");
    }

    @Test
    void stopsAtTheEndOfTheBody() throws Exception {
        ChunkedDecoder decoder = new ChunkedDecoder(64);
        ByteBuffer in = ByteBuffer.wrap("0\r\n\r\nHTTP/1.1".getBytes(StandardCharsets.ISO_8859_1));

        assertThat(decoder.next(in)).isZero();
        assertThat(decoder.isDone()).isTrue();
        assertThat(in.remaining()).as("the bytes after the body stay unread").isEqualTo(8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"zz\r\n", "\r\n", "-5\r\nhello\r\n", "5\nhello\r\n0\r\n\r\n", "5\r\nhelloX\r\n",
            "5\r\nhello\n0\r\n\r\n", "1000000000000000\r\n", "5;\u0000\r\n", "0\r\nX: \u0000\r\n\r\n",
            "0\r\n\n", "5;eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\r\n",
            "0\r\nX: tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt\r\n\r\n"})
    void refusesMalformedOrOversizedFraming(String chunked) {
        assertThatThrownBy(() -> decode(chunked, 1000)).isInstanceOf(BadResponseException.class);
    }
}
