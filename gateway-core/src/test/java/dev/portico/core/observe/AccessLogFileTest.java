package dev.portico.core.observe;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class AccessLogFileTest {

    @TempDir
    Path dir;

    private List<String> read(Path file) throws Exception {
        return Files.readAllLines(file, StandardCharsets.UTF_8);
    }

    @Test
    void linesReachTheFileOnlyWhenFlushedAndAreAppendedToWhatWasThere() throws Exception {
        Path file = dir.resolve("access.log");
        Files.writeString(file, "earlier\n");
        AccessLogFile log = new AccessLogFile(file);

        assertThat(log.append(new StringBuilder("{\"a\":1}"))).isZero();
        assertThat(log.append("{\"path\":\"/caf\u00e9/\u4e2d\"}")).isZero();
        assertThat(read(file)).containsExactly("earlier");

        assertThat(log.flush()).isZero();
        assertThat(read(file)).containsExactly("earlier", "{\"a\":1}", "{\"path\":\"/caf\u00e9/\u4e2d\"}");
        assertThat(log.close()).isZero();
    }

    @Test
    void aFullBufferIsWrittenOutBeforeTheLineThatDoesNotFitAndNothingIsLostOrReordered() throws Exception {
        Path file = dir.resolve("access.log");
        AccessLogFile log = new AccessLogFile(file);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) { // about 400 KB: several buffers
            String line = "{\"n\":" + i + ",\"path\":\"/api/" + "x\u00e9".repeat(i % 40) + "\"}";
            lines.add(line);
            assertThat(log.append(line)).isZero();
        }
        assertThat(Files.size(file)).as("written out as the buffer filled").isGreaterThan(AccessLogFile.BUFFER);

        log.close();
        assertThat(read(file)).containsExactlyElementsOf(lines);
    }

    @Test
    void aLineLongerThanTheBufferIsWrittenWholeInItsPlace() throws Exception {
        Path file = dir.resolve("access.log");
        AccessLogFile log = new AccessLogFile(file);
        String huge = "{\"path\":\"/" + "\u00e9".repeat(AccessLogFile.BUFFER) + "\"}";

        log.append("before");
        assertThat(log.append(huge)).isZero();
        log.append("after");
        log.close();

        assertThat(read(file)).containsExactly("before", huge, "after");
    }

    @Test
    void afterARotationByTruncationLinesStartAtTheBeginningNotAfterAHole() throws Exception {
        Path file = dir.resolve("access.log");
        AccessLogFile log = new AccessLogFile(file);
        log.append("one");
        log.flush();
        try (FileChannel rotate = FileChannel.open(file, StandardOpenOption.WRITE)) {
            rotate.truncate(0); // logrotate's copytruncate
        }

        log.append("two");
        log.close();

        assertThat(Files.readString(file)).isEqualTo("two\n");
    }

    @Test
    void linesAWriteFailedToWriteAreCountedAsLost() {
        Path full = Path.of("/dev/full"); // every write fails with ENOSPC
        assumeTrue(Files.isWritable(full), "needs Linux's /dev/full");
        AccessLogFile log = new AccessLogFile(full);

        log.append("one");
        log.append("two");
        assertThat(log.flush()).isEqualTo(2);
        log.append("three");
        assertThat(log.close()).isEqualTo(1);
    }

    @Test
    void aFileThatCannotBeOpenedFailsTheBuildClearly() {
        Path missing = dir.resolve("no-such-dir").resolve("access.log");

        assertThatThrownBy(() -> AccessLog.builder().file(missing).build())
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("cannot open " + missing);
    }
}
