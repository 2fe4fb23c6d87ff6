package dev.portico.core;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class CoreIsServerNeutralTest {

    @Test
    void noCoreClassReferencesUndertowOrXnio() throws IOException {
        Path classes = Path.of("target/classes");
        List<Path> offenders;
        try (Stream<Path> files = Files.walk(classes)) {
            offenders = files.filter(p -> p.toString().endsWith(".class"))
                    .filter(CoreIsServerNeutralTest::mentionsServerTypes)
                    .collect(Collectors.toList());
        }
        assertThat(Files.isDirectory(classes.resolve("dev/portico/core"))).isTrue();
        assertThat(offenders).isEmpty();
    }

    @Test
    void undertowIsNotOnTheCoreClassPath() {
        assertThat(getClass().getClassLoader().getResource("io/undertow/Undertow.class")).isNull();
        assertThat(getClass().getClassLoader().getResource("org/xnio/Xnio.class")).isNull();
    }

    private static boolean mentionsServerTypes(Path classFile) {
        try {
            String constants = new String(Files.readAllBytes(classFile), java.nio.charset.StandardCharsets.ISO_8859_1);
            return constants.contains("io/undertow") || constants.contains("org/xnio");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
