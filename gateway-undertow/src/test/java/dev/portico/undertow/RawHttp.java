package dev.portico.undertow;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A raw-socket HTTP/1.1 client for requests that well-behaved clients refuse to send. */
final class RawHttp {

    /** A parsed response: status, headers (lower-cased names, last value wins) and body. */
    record Reply(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** Returns the body without its {@code "requestId"} field, which must name the response's X-Request-Id. */
        String bodyWithoutRequestId() {
            return RawHttp.withoutRequestId(body, header("X-Request-Id"));
        }
    }

    private RawHttp() {
    }

    /** Returns a JSON error body without its {@code "requestId"} field, which must be there and name this id. */
    static String withoutRequestId(String body, String requestId) {
        String field = ",\"requestId\":\"" + requestId + "\"";
        if (requestId == null || !body.contains(field)) {
            throw new AssertionError("no requestId " + requestId + " in " + body);
        }
        return body.replace(field, "");
    }

    /** Sends the bytes as they are on a new connection and reads one response (with Connection: close). */
    static Reply send(int port, String request) throws IOException {
        return send(port, request.getBytes(StandardCharsets.ISO_8859_1));
    }

    static Reply send(int port, byte[] request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            return read(socket.getInputStream());
        }
    }

    /** Reads one response from a stream. */
    static Reply read(InputStream in) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) {
            return new Reply(-1, Map.of(), "");
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = line(in); line != null && !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String length = headers.get("content-length");
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            for (int size = Integer.parseInt(line(in).trim(), 16); size > 0; size = Integer.parseInt(line(in).trim(), 16)) {
                body.write(in.readNBytes(size));
                line(in);
            }
            line(in);
        } else if (length != null) {
            body.write(in.readNBytes(Integer.parseInt(length)));
        } else if (status >= 200 && status != 204 && status != 304) {
            body.write(in.readAllBytes());
        }
        return new Reply(status, headers, body.toString(StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                String s = line.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }
}
