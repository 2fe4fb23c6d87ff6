package dev.portico.undertow;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A scripted HTTP/1.1 upstream on a raw {@link ServerSocket}: each accepted connection, on its own thread, reads one
 * request head at a time and answers with exactly the bytes its script writes, however wrong, and the upstream counts
 * connections (accepted, open, closed by the gateway) and the requests each carried, so that tests can prove reuse or
 * non-reuse.
 *
 * <p>After the script returns, the connection waits for the next request head; a read that ends ({@code -1}) or is
 * reset while it waits means the gateway closed the connection. A script that leaves a request body unread, or calls
 * {@link Exchange#holdUntilClosed()}, switches the connection to draining: it parses nothing more, records whatever
 * else arrives in {@link Connection#trailing()}, and waits for the gateway to close it.
 *
 * <pre>{@code
 * try (HostileUpstream upstream = HostileUpstream.start(ex -> ex.send("HTTP/1.1 600 X\r\nContent-Length: 0\r\n\r\n"))) {
 *     ... Upstream.of("hostile", upstream.url()) ...
 * }
 * }</pre>
 */
final class HostileUpstream implements AutoCloseable {

    /** What an upstream connection does with one request. */
    @FunctionalInterface
    interface Script {
        void answer(Exchange exchange) throws Exception;
    }

    private static final int MAX_HEAD = 1024 * 1024;
    private static final int MAX_TRAILING = 4 * 1024 * 1024;

    private final ServerSocket server;
    private final Script script;
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final List<Throwable> scriptFailures = new CopyOnWriteArrayList<>();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile boolean closed;

    private HostileUpstream(Script script, int receiveBuffer) throws IOException {
        this.script = script;
        this.server = new ServerSocket();
        if (receiveBuffer > 0) {
            server.setReceiveBufferSize(receiveBuffer); // inherited by accepted sockets; set before bind
        }
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
        Thread acceptor = new Thread(this::accept, "hostile-upstream-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts an upstream on an ephemeral loopback port that runs this script for every request. */
    static HostileUpstream start(Script script) throws IOException {
        return new HostileUpstream(script, 0);
    }

    /** Starts one whose sockets have a small receive buffer, so that a body it does not read soon stalls the sender. */
    static HostileUpstream startWithReceiveBuffer(int bytes, Script script) throws IOException {
        return new HostileUpstream(script, bytes);
    }

    /** Returns {@code http://127.0.0.1:port}. */
    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Returns how many connections were accepted so far. */
    int accepted() {
        return connections.size();
    }

    /** Returns how many accepted connections are still open. */
    int open() {
        return open.get();
    }

    /** Returns how many request heads were read, on all connections. */
    int requests() {
        return requests.get();
    }

    /** Returns the connections accepted so far, in order. */
    List<Connection> connections() {
        return List.copyOf(connections);
    }

    /** Returns the number of requests each connection carried, in accept order. */
    List<Integer> requestsPerConnection() {
        List<Integer> counts = new ArrayList<>();
        for (Connection c : connections) {
            counts.add(c.requests());
        }
        return counts;
    }

    /** Returns the first connection that received a request for this target, or {@code null}. */
    Connection connectionOf(String target) {
        for (Connection c : connections) {
            if (c.targets().contains(target)) {
                return c;
            }
        }
        return null;
    }

    /** Returns the failures of scripts other than the I/O errors of a closed connection (such as a failed assertion). */
    List<Throwable> scriptFailures() {
        return List.copyOf(scriptFailures);
    }

    /** Returns a summary of every connection, for failure messages. */
    String describe() {
        StringBuilder s = new StringBuilder("accepted=" + accepted() + " open=" + open());
        for (Connection c : connections) {
            s.append("\n  ").append(c);
        }
        return s.toString();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Connection c : connections) {
            c.socket.close();
        }
    }

    /** Waits up to {@code within} for a condition; returns whether it held. */
    static boolean await(BooleanSupplier condition, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    /** Waits up to {@code within} for a condition; throws an {@link AssertionError} naming it when it does not hold. */
    static void awaitOrFail(BooleanSupplier condition, Duration within, Supplier<String> what) throws InterruptedException {
        if (!await(condition, within)) {
            throw new AssertionError("waited " + within.toMillis() + " ms for: " + what.get());
        }
    }

    private void accept() {
        while (!closed) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            Connection connection = new Connection(connections.size() + 1, socket);
            open.incrementAndGet();
            connections.add(connection);
            Thread thread = new Thread(() -> serve(connection), "hostile-upstream-connection-" + connection.id);
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void serve(Connection connection) {
        Socket socket = connection.socket;
        try {
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            while (true) {
                Exchange exchange = readHead(connection, in, out);
                if (exchange == null) {
                    connection.closedBy(true); // the gateway closed (or reset) the idle connection
                    return;
                }
                requests.incrementAndGet();
                connection.targets.add(exchange.target);
                script.answer(exchange);
                if (exchange.closed) {
                    return;
                }
                if (exchange.holding || (exchange.hasBody() && !exchange.bodyRead)) {
                    drain(connection, in);
                    return;
                }
            }
        } catch (IOException e) {
            // a write or read broken by the gateway's close or reset (or by close() below)
            connection.brokenBy(e);
            connection.closedBy(!closed);
        } catch (Throwable e) {
            scriptFailures.add(e);
            connection.closedBy(false);
        } finally {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closed already
            }
            open.decrementAndGet();
            connection.closedLatch.countDown();
        }
    }

    /** Reads and records whatever else arrives, until the gateway closes the connection. */
    private void drain(Connection connection, InputStream in) {
        byte[] buffer = new byte[16 * 1024];
        try {
            for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
                connection.trail(buffer, n);
            }
        } catch (IOException reset) {
            // a reset is a close too
        }
        connection.closedBy(!closed);
    }

    /** Reads one request head, or returns {@code null} when the connection ends before its first byte. */
    private Exchange readHead(Connection connection, InputStream in, OutputStream out) throws IOException {
        String requestLine;
        try {
            requestLine = line(in);
        } catch (IOException reset) {
            return null;
        }
        if (requestLine == null) {
            return null;
        }
        String[] parts = requestLine.split(" ", 3);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        int size = requestLine.length();
        for (String line = line(in); line != null && !line.isEmpty(); line = line(in)) {
            size += line.length() + 2;
            if (size > MAX_HEAD) {
                throw new IOException("request head over " + MAX_HEAD + " bytes");
            }
            int colon = line.indexOf(':');
            String name = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1).trim();
            headers.computeIfAbsent(name.trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(value);
        }
        return new Exchange(connection, connection.targets.size() + 1, parts[0], parts.length > 1 ? parts[1] : "",
                headers, in, out);
    }

    /** Reads a CRLF- or LF-terminated line; {@code null} at the end of the stream before any byte. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != -1; b = in.read()) {
            if (b == '\n') {
                String s = line.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            if (line.size() > MAX_HEAD) {
                throw new IOException("line over " + MAX_HEAD + " bytes");
            }
            line.write(b);
        }
        if (line.size() == 0) {
            return null;
        }
        throw new IOException("the connection ended mid-line: " + line.toString(StandardCharsets.ISO_8859_1));
    }

    /** One accepted connection: the targets of the requests it carried and how it ended. */
    static final class Connection {

        private final int id;
        private final Socket socket;
        private final List<String> targets = new CopyOnWriteArrayList<>();
        private final ByteArrayOutputStream trailing = new ByteArrayOutputStream();
        private final CountDownLatch closedLatch = new CountDownLatch(1);
        private volatile boolean ended;
        private volatile boolean closedByGateway;
        private volatile IOException broken;

        private Connection(int id, Socket socket) {
            this.id = id;
            this.socket = socket;
        }

        /** Returns the connection's number, 1 for the first accepted. */
        int id() {
            return id;
        }

        /** Returns the request targets it carried, in order. */
        List<String> targets() {
            return List.copyOf(targets);
        }

        int requests() {
            return targets.size();
        }

        boolean isOpen() {
            return closedLatch.getCount() > 0;
        }

        /** Returns whether the gateway closed or reset it (rather than the script or the test's clean-up). */
        boolean closedByGateway() {
            return !isOpen() && closedByGateway;
        }

        /** Returns the exception that broke a read or write of the script, if any. */
        IOException broken() {
            return broken;
        }

        /** Returns the bytes that arrived after the connection started draining. */
        String trailing() {
            synchronized (trailing) {
                return trailing.toString(StandardCharsets.ISO_8859_1);
            }
        }

        /** Waits for the connection to be closed; returns whether it was. */
        boolean awaitClosed(Duration within) throws InterruptedException {
            return closedLatch.await(within.toMillis(), TimeUnit.MILLISECONDS);
        }

        private void trail(byte[] bytes, int n) {
            synchronized (trailing) {
                if (trailing.size() < MAX_TRAILING) {
                    trailing.write(bytes, 0, Math.min(n, MAX_TRAILING - trailing.size()));
                }
            }
        }

        private void closedBy(boolean gateway) {
            if (!ended) {
                ended = true;
                closedByGateway = gateway;
            }
        }

        private void brokenBy(IOException e) {
            if (broken == null) {
                broken = e;
            }
        }

        @Override
        public String toString() {
            return "connection " + id + ' ' + targets + (isOpen() ? " open" : closedByGateway ? " closed by the gateway"
                    : " closed by the upstream") + (broken == null ? "" : " (" + broken + ')');
        }
    }

    /** One request on a connection: its head, and the means to answer it with any bytes at all. */
    static final class Exchange {

        private final Connection connection;
        private final int index;
        private final String method;
        private final String target;
        private final Map<String, List<String>> headers;
        private final InputStream in;
        private final OutputStream out;
        private boolean bodyRead;
        private boolean holding;
        private boolean closed;

        private Exchange(Connection connection, int index, String method, String target, Map<String, List<String>> headers,
                         InputStream in, OutputStream out) {
            this.connection = connection;
            this.index = index;
            this.method = method;
            this.target = target;
            this.headers = headers;
            this.in = in;
            this.out = out;
        }

        String method() {
            return method;
        }

        /** Returns the request target as sent, such as {@code /a?b=1}. */
        String target() {
            return target;
        }

        /** Returns the target without its query. */
        String path() {
            int q = target.indexOf('?');
            return q < 0 ? target : target.substring(0, q);
        }

        /** Returns the values of a header joined with commas, or {@code null}. */
        String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : String.join(",", values);
        }

        Connection connection() {
            return connection;
        }

        /** Returns this request's position on its connection, 1 for the first. */
        int index() {
            return index;
        }

        /** Returns whether the head announces a body (a Content-Length above 0, or chunked). */
        boolean hasBody() {
            String te = header("transfer-encoding");
            if (te != null) {
                return true;
            }
            String length = header("content-length");
            return length != null && !length.equals("0");
        }

        /** Reads the whole request body, by Content-Length or chunked. */
        byte[] body() throws IOException {
            bodyRead = true;
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            String te = header("transfer-encoding");
            if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
                for (int size = chunkSize(); size > 0; size = chunkSize()) {
                    body.write(readN(size));
                    line(in);
                }
                for (String trailer = line(in); trailer != null && !trailer.isEmpty(); trailer = line(in)) {
                    // trailers are ignored
                }
            } else {
                String length = header("content-length");
                if (length != null) {
                    body.write(readN(Integer.parseInt(length.trim())));
                }
            }
            return body.toByteArray();
        }

        private int chunkSize() throws IOException {
            String line = line(in);
            if (line == null) {
                throw new IOException("the connection ended before the last chunk");
            }
            int semicolon = line.indexOf(';');
            return Integer.parseInt((semicolon < 0 ? line : line.substring(0, semicolon)).trim(), 16);
        }

        private byte[] readN(int n) throws IOException {
            byte[] bytes = in.readNBytes(n);
            if (bytes.length < n) {
                throw new IOException("the connection ended after " + bytes.length + " of " + n + " body bytes");
            }
            return bytes;
        }

        /** Writes these bytes (ISO-8859-1) and flushes. */
        void send(String ascii) throws IOException {
            send(ascii.getBytes(StandardCharsets.ISO_8859_1));
        }

        /** Writes these bytes and flushes. */
        void send(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** After the script, reads nothing more as a request: drains until the gateway closes the connection. */
        void holdUntilClosed() {
            holding = true;
        }

        /** Closes the connection cleanly (FIN) once written. */
        void close() throws IOException {
            closed = true;
            connection.closedBy(false);
            connection.socket.shutdownOutput();
            connection.socket.close();
        }

        /** Closes the connection with a reset (RST). */
        void reset() throws IOException {
            closed = true;
            connection.closedBy(false);
            connection.socket.setSoLinger(true, 0);
            connection.socket.close();
        }

        /** Waits for a latch up to {@code max}, so that a test controls when the script goes on. */
        boolean await(CountDownLatch latch, Duration max) throws InterruptedException {
            return latch.await(max.toMillis(), TimeUnit.MILLISECONDS);
        }

        /**
         * Waits up to {@code max} for the gateway to close the connection, reading (and recording) what it sends;
         * returns whether it closed. Use mid-response, to prove the gateway gives up on a stalled upstream.
         */
        boolean awaitGatewayClose(Duration max) throws IOException {
            int old = connection.socket.getSoTimeout();
            long deadline = System.nanoTime() + max.toNanos();
            byte[] buffer = new byte[8192];
            try {
                while (true) {
                    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (left <= 0) {
                        return false;
                    }
                    connection.socket.setSoTimeout((int) left);
                    int n;
                    try {
                        n = in.read(buffer);
                    } catch (SocketTimeoutException e) {
                        return false;
                    } catch (IOException reset) {
                        n = -1;
                    }
                    if (n == -1) {
                        closed = true;
                        connection.closedBy(true);
                        return true;
                    }
                    connection.trail(buffer, n);
                }
            } finally {
                if (!connection.socket.isClosed()) {
                    connection.socket.setSoTimeout(old);
                }
            }
        }

        @Override
        public String toString() {
            return method + ' ' + target + " (request " + index + " on connection " + connection.id + ')';
        }
    }

    /**
     * The raw client side of these tests: one socket to the gateway with a read timeout, so that a gateway that hangs
     * fails the test instead of hanging it, and a reader that tells a complete response from a truncated one.
     */
    static final class Client implements AutoCloseable {

        /** A response head: the status line and headers (lower-cased names, values joined with commas). */
        record Head(int status, String statusLine, Map<String, String> headers) {
            String header(String name) {
                return headers.get(name.toLowerCase(Locale.ROOT));
            }
        }

        /**
         * A final response: {@code status} is -1 when the connection ended before a status line; {@code complete} is
         * false when the connection ended, or stalled past the read timeout ({@code timedOut}), before the end of the
         * body that the head announced.
         */
        record Reply(int status, String statusLine, Map<String, String> headers, String body, boolean complete,
                     boolean timedOut, List<Integer> interim) {
            String header(String name) {
                return headers.get(name.toLowerCase(Locale.ROOT));
            }

            @Override
            public String toString() {
                Map<String, String> shown = new LinkedHashMap<>();
                headers.forEach((name, value) -> shown.put(name, value.length() > 100 ? value.substring(0, 100) + "..."
                        + " (" + value.length() + " chars)" : value));
                return statusLine + " " + shown + " body=" + (body.length() > 300 ? body.substring(0, 300) + "..." : body)
                        + (complete ? "" : timedOut ? " (incomplete: stalled)" : " (incomplete: closed)")
                        + (interim.isEmpty() ? "" : " after interim " + interim);
            }
        }

        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        private Client(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        /** Connects to the gateway with a 5 s read timeout. */
        static Client connect(int port) throws IOException {
            return connect(port, Duration.ofSeconds(5));
        }

        static Client connect(int port, Duration readTimeout) throws IOException {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout((int) readTimeout.toMillis());
            socket.setTcpNoDelay(true);
            return new Client(socket);
        }

        /** Sends a GET on a fresh connection and reads its final response. */
        static Reply get(int port, String target) throws IOException {
            try (Client client = connect(port)) {
                return client.send("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read();
            }
        }

        Socket socket() {
            return socket;
        }

        void readTimeout(Duration timeout) throws IOException {
            socket.setSoTimeout((int) timeout.toMillis());
        }

        Client send(String ascii) throws IOException {
            return send(ascii.getBytes(StandardCharsets.ISO_8859_1));
        }

        Client send(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
            return this;
        }

        /** Reads one response head, interim or final; {@code null} when the connection ended before it. */
        Head head() throws IOException {
            String statusLine = line(in);
            if (statusLine == null) {
                return null;
            }
            int status;
            try {
                status = Integer.parseInt(statusLine.split(" ", 3)[1]);
            } catch (RuntimeException e) {
                status = -2; // not a status line the gateway should ever send
            }
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line = line(in); line != null && !line.isEmpty(); line = line(in)) {
                int colon = line.indexOf(':');
                String name = (colon < 0 ? line : line.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
                String value = colon < 0 ? "" : line.substring(colon + 1).trim();
                headers.merge(name, value, (a, b) -> a + ',' + b);
            }
            return new Head(status, statusLine, headers);
        }

        /** Reads the final response, skipping interim 1xx responses (but not 101, which ends HTTP on the connection). */
        Reply read() throws IOException {
            List<Integer> interim = new ArrayList<>();
            Head head;
            try {
                head = head();
                while (head != null && head.status() >= 100 && head.status() < 200 && head.status() != 101) {
                    interim.add(head.status());
                    head = head();
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the gateway sent no response within " + socket.getSoTimeout() + " ms"
                        + (interim.isEmpty() ? "" : " after interim " + interim), e);
            } catch (java.net.SocketException reset) {
                head = null;
            }
            if (head == null) {
                return new Reply(-1, "(connection closed)", Map.of(), "", false, false, interim);
            }
            return body(head, interim);
        }

        /** Reads the body that follows a head. */
        Reply body(Head head, List<Integer> interim) throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            boolean complete = true;
            boolean timedOut = false;
            int status = head.status();
            String length = head.header("content-length");
            try {
                if (status == 101 || status == 204 || status == 304 || (status >= 100 && status < 200)) {
                    // no body
                } else if ("chunked".equalsIgnoreCase(head.header("transfer-encoding"))) {
                    complete = chunks(body);
                } else if (length != null) {
                    long n = Long.parseLong(length);
                    byte[] buffer = new byte[8192];
                    long left = n;
                    for (int read = 0; left > 0 && read != -1; ) {
                        read = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                        if (read > 0) {
                            body.write(buffer, 0, read);
                            left -= read;
                        }
                    }
                    complete = left == 0;
                } else {
                    byte[] buffer = new byte[8192];
                    for (int read = in.read(buffer); read != -1; read = in.read(buffer)) {
                        body.write(buffer, 0, read);
                    }
                }
            } catch (SocketTimeoutException e) { // no byte within the read timeout: what came is what we have
                complete = false;
                timedOut = true;
            } catch (IOException reset) {
                complete = false;
            }
            return new Reply(status, head.statusLine(), head.headers(), body.toString(StandardCharsets.UTF_8), complete,
                    timedOut, interim);
        }

        private boolean chunks(ByteArrayOutputStream body) throws IOException {
            while (true) {
                String sizeLine = line(in);
                if (sizeLine == null) {
                    return false;
                }
                int size;
                try {
                    size = Integer.parseInt(sizeLine.split(";", 2)[0].trim(), 16);
                } catch (NumberFormatException e) {
                    return false;
                }
                if (size == 0) {
                    for (String trailer = line(in); trailer != null && !trailer.isEmpty(); trailer = line(in)) {
                        // trailers
                    }
                    return true;
                }
                byte[] bytes = in.readNBytes(size);
                body.write(bytes);
                if (bytes.length < size || !"".equals(line(in))) {
                    return false;
                }
            }
        }

        /** Reads up to {@code n} bytes of body, fewer when the connection ends first. */
        byte[] readNBytes(int n) throws IOException {
            return in.readNBytes(n);
        }

        /** Reads whatever arrives until the gateway closes the connection or the read timeout passes. */
        byte[] readRest() {
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
                    rest.write(buffer, 0, n);
                }
            } catch (IOException e) {
                // reset or timeout
            }
            return rest.toByteArray();
        }

        /**
         * Returns whether the gateway closes the connection within the read timeout: reads to the end, and answers
         * false when the timeout passes first.
         */
        boolean closedByPeer() {
            byte[] buffer = new byte[8192];
            try {
                while (in.read(buffer) != -1) {
                    // discard
                }
                return true;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException reset) {
                return true;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b != -1; b = in.read()) {
                if (b == '\n') {
                    String s = line.toString(StandardCharsets.ISO_8859_1);
                    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
                }
                line.write(b);
            }
            return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
