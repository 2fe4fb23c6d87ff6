package dev.portico.undertow;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A bare HTTP/2 client over a socket, by prior knowledge, ALPN or an h2c upgrade, for what the JDK's client cannot
 * do (h2c without an upgrade, a forged {@code :scheme}, a request body streamed on an upgraded connection): it writes
 * header blocks as HPACK literals without Huffman coding and reads frames raw.
 */
final class RawH2 implements AutoCloseable {

    static final int DATA = 0;
    static final int HEADERS = 1;
    static final int RST_STREAM = 3;
    static final int SETTINGS = 4;
    static final int GOAWAY = 7;

    /** One frame read. */
    record Frame(int type, int flags, int stream, byte[] payload) {
        boolean endStream() {
            return (flags & 1) != 0 && (type == DATA || type == HEADERS);
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    /** The last GOAWAY read. */
    Frame goaway;
    private final java.util.Map<Integer, ByteArrayOutputStream> data = new java.util.HashMap<>();
    private final java.util.Set<Integer> ended = new java.util.HashSet<>();

    /** Connects in cleartext (h2c with prior knowledge), or over TLS with ALPN {@code h2} when {@code tls} is set. */
    RawH2(int port, javax.net.ssl.SSLContext tls) throws IOException {
        this(port, tls, null);
    }

    /**
     * Connects in cleartext and upgrades with a bodiless HTTP/1.1 {@code GET} of this path ({@code Upgrade: h2c}): the
     * server answers that request on stream 1, so the caller's own streams start at 3.
     */
    static RawH2 upgraded(int port, String path) throws IOException {
        return new RawH2(port, null, path);
    }

    private RawH2(int port, javax.net.ssl.SSLContext tls, String upgradePath) throws IOException {
        if (tls == null) {
            socket = new Socket("127.0.0.1", port);
        } else {
            javax.net.ssl.SSLSocket secure = (javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket("localhost", port);
            javax.net.ssl.SSLParameters parameters = secure.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"h2"});
            secure.setSSLParameters(parameters);
            secure.startHandshake();
            if (!"h2".equals(secure.getApplicationProtocol())) {
                throw new IOException("ALPN chose " + secure.getApplicationProtocol());
            }
            socket = secure;
        }
        socket.setSoTimeout(10_000);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
        if (upgradePath != null) {
            out.write(("GET " + upgradePath + " HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                    + "Upgrade: h2c\r\nHTTP2-Settings: AAIAAAAA\r\n\r\n").getBytes(StandardCharsets.US_ASCII)); // no push
            String head = readHead();
            if (!head.startsWith("HTTP/1.1 101")) {
                throw new IOException("no upgrade: " + head);
            }
        }
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        frame(SETTINGS, 0, 0, new byte[0]);
    }

    /** Reads an HTTP/1.1 response head, up to its empty line, byte by byte so that no frame after it is taken. */
    private String readHead() throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
            head.append((char) in.readUnsignedByte());
        }
        return head.toString();
    }

    /** Sends a header block, name and value pairs, pseudo-headers first. */
    void headers(int stream, boolean endStream, String... nameValues) throws IOException {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        for (int i = 0; i < nameValues.length; i += 2) {
            block.write(0); // literal without indexing, new name
            string(block, nameValues[i]);
            string(block, nameValues[i + 1]);
        }
        frame(HEADERS, 4 | (endStream ? 1 : 0), stream, block.toByteArray());
    }

    void data(int stream, byte[] bytes, boolean endStream) throws IOException {
        frame(DATA, endStream ? 1 : 0, stream, bytes);
    }

    void reset(int stream) throws IOException {
        frame(RST_STREAM, 0, stream, new byte[] {0, 0, 0, 8}); // CANCEL
    }

    private static void string(ByteArrayOutputStream block, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        integer(block, bytes.length);
        block.writeBytes(bytes);
    }

    /** An HPACK integer with a 7-bit prefix and no Huffman flag. */
    private static void integer(ByteArrayOutputStream block, int value) {
        if (value < 127) {
            block.write(value);
            return;
        }
        block.write(127);
        value -= 127;
        while (value >= 128) {
            block.write((value & 127) | 128);
            value >>>= 7;
        }
        block.write(value);
    }

    void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        byte[] head = {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
                (byte) type, (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8),
                (byte) stream};
        out.write(head);
        out.write(payload);
        out.flush();
    }

    Frame read() throws IOException {
        int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        if (type == SETTINGS && (flags & 1) == 0) {
            frame(SETTINGS, 1, 0, new byte[0]);
        }
        return new Frame(type, flags, stream, payload);
    }

    /**
     * Reads until this stream ends, and returns its DATA bytes as text, keeping other streams' for later and passing
     * over a GOAWAY that lets it finish; fails if the stream is reset.
     */
    String body(int stream) throws IOException {
        while (!ended.contains(stream)) {
            Frame f = read();
            if (f.type() == GOAWAY) {
                goaway = f;
            }
            if (f.type() == RST_STREAM && f.stream() == stream) {
                throw new IOException("stream reset with code " + f.payload()[3]);
            }
            if (f.type() == DATA) {
                data.computeIfAbsent(f.stream(), s -> new ByteArrayOutputStream()).writeBytes(f.payload());
            }
            if (f.endStream()) {
                ended.add(f.stream());
            }
        }
        ByteArrayOutputStream body = data.remove(stream);
        return body == null ? "" : body.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
