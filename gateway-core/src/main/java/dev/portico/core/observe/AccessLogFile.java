package dev.portico.core.observe;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A file that the access log's writer thread appends lines to, UTF-8, through a buffer written out when it fills and
 * whenever the writer has caught up; opened for appending, so a rotation by truncation ({@code copytruncate}) is safe.
 * A stream, not a channel: an interrupt must not close it. Not thread-safe: the writer thread is its only user.
 */
final class AccessLogFile {

    static final int BUFFER = 64 * 1024;

    private final OutputStream out;
    private final byte[] buffer = new byte[BUFFER];
    private int size;
    private int lines;

    AccessLogFile(Path path) {
        try {
            this.out = new FileOutputStream(path.toFile(), true);
        } catch (IOException e) {
            throw new UncheckedIOException("access log: cannot open " + path + " for appending", e);
        }
    }

    /**
     * Adds a line and its newline to the buffer, writing the buffer out first when the line does not fit; returns
     * how many lines were lost because a write failed.
     */
    int append(CharSequence line) {
        byte[] bytes = line.toString().getBytes(StandardCharsets.UTF_8); // ASCII, the usual case: two array copies
        int lost = size + bytes.length + 1 > BUFFER ? flush() : 0;
        if (bytes.length + 1 > BUFFER) { // longer than the buffer: written on its own
            byte[] whole = Arrays.copyOf(bytes, bytes.length + 1);
            whole[bytes.length] = '\n';
            return lost + write(whole, whole.length, 1);
        }
        System.arraycopy(bytes, 0, buffer, size, bytes.length);
        size += bytes.length;
        buffer[size++] = '\n';
        lines++;
        return lost;
    }

    /** Writes the buffered lines to the file; returns how many were lost because the write failed. */
    int flush() {
        int lost = write(buffer, size, lines);
        size = 0;
        lines = 0;
        return lost;
    }

    /** Writes what is buffered and closes the file; returns how many lines were lost. */
    int close() {
        int lost = flush();
        try {
            out.close();
        } catch (IOException e) {
            // written already, or lost and counted
        }
        return lost;
    }

    /** Writes {@code length} bytes that hold this many lines; returns them as lost when the write fails. */
    private int write(byte[] bytes, int length, int lines) {
        if (length == 0) {
            return 0;
        }
        try {
            out.write(bytes, 0, length);
            return 0;
        } catch (IOException e) {
            return lines;
        }
    }
}
