package dev.portico.undertow;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/** A scripted upstream on a raw socket for fault tests: one thread per connection runs the script. */
final class RawServer implements AutoCloseable {

    /** What the upstream does with one connection. */
    interface Script {
        void run(Socket socket) throws IOException;
    }

    private final ServerSocket server;
    private final AtomicInteger accepted = new AtomicInteger();

    private RawServer(Script script) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    accepted.incrementAndGet();
                    Thread worker = new Thread(() -> {
                        try (socket) {
                            socket.setSoTimeout(10_000);
                            script.run(socket);
                        } catch (IOException e) {
                            // the gateway closed or reset the connection
                        }
                    });
                    worker.setDaemon(true);
                    worker.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
    }

    static RawServer start(Script script) throws IOException {
        return new RawServer(script);
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Returns how many connections it accepted. */
    int accepted() {
        return accepted.get();
    }

    /** Reads a request head, and returns it. */
    static String readHead(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        int matched = 0;
        for (int b = in.read(); b >= 0; b = in.read()) {
            head.append((char) b);
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
            if (matched == 4) {
                return head.toString();
            }
        }
        throw new IOException("closed before a whole head");
    }

    /** Reads a request head, writes these bytes, then waits for the gateway to close the connection. */
    static void answerAndHold(Socket socket, String text) throws IOException {
        readHead(socket);
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        socket.getInputStream().read();
    }

    /** Returns a port nothing listens on. */
    static int closedPort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
