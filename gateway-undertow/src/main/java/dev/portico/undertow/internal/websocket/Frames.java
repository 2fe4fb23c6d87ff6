package dev.portico.undertow.internal.websocket;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/** Reads WebSocket frame headers (RFC 6455 5.2) as their bytes pass, and builds the close frames the relay sends. */
final class Frames {

    static final int CONTINUATION = 0;
    static final int CLOSE = 8;

    /** The longest frame header: 2 bytes, a 64-bit length, a masking key. */
    static final int MAX_HEADER = 14;

    private Frames() {
    }

    /** Returns the length of a header that starts with these two bytes. */
    static int headerLength(byte first, byte second) {
        int length = second & 0x7f;
        return 2 + (length == 126 ? 2 : length == 127 ? 8 : 0) + ((second & 0x80) != 0 ? 4 : 0);
    }

    static int opcode(byte[] header) {
        return header[0] & 0x0f;
    }

    /** Returns a complete header's payload length; a 64-bit one with its top bit set reads as negative. */
    static long payloadLength(byte[] header) {
        int length = header[1] & 0x7f;
        if (length < 126) {
            return length;
        }
        if (length == 126) {
            return ((header[2] & 0xff) << 8) | (header[3] & 0xff);
        }
        long value = 0;
        for (int i = 2; i < 10; i++) {
            value = (value << 8) | (header[i] & 0xff);
        }
        return value;
    }

    /**
     * Returns a close frame with this code and reason (a short ASCII text): masked, with a fresh key, when it goes to
     * the upstream, as every frame a client sends must be.
     */
    static ByteBuffer close(int code, String reason, boolean masked) {
        byte[] text = reason.getBytes(StandardCharsets.US_ASCII);
        int length = 2 + text.length;
        byte[] frame = new byte[2 + (masked ? 4 : 0) + length];
        frame[0] = (byte) (0x80 | CLOSE);
        frame[1] = (byte) ((masked ? 0x80 : 0) | length);
        int at = 2;
        byte[] key = new byte[4];
        if (masked) {
            ThreadLocalRandom.current().nextBytes(key);
            System.arraycopy(key, 0, frame, at, 4);
            at += 4;
        }
        frame[at] = (byte) (code >> 8);
        frame[at + 1] = (byte) code;
        System.arraycopy(text, 0, frame, at + 2, text.length);
        for (int i = 0; i < length; i++) {
            frame[at + i] ^= key[i & 3];
        }
        return ByteBuffer.wrap(frame);
    }
}
