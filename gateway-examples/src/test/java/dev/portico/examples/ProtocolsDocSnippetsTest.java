package dev.portico.examples;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The Java snippets in docs/protocols.md are quoted verbatim from compiled ProtocolsExamples. */
class ProtocolsDocSnippetsTest {

    @Test
    void graphqlSnippetsAreProtocolsExamples() throws IOException {
        String source = Files.readString(Path.of("src/main/java/dev/portico/examples/guide/ProtocolsExamples.java"));
        List<String> blocks = new ArrayList<>();
        StringBuilder block = null;
        for (String line : Files.readAllLines(Path.of("../docs/protocols.md"))) {
            if (block == null && line.equals("```java")) {
                block = new StringBuilder();
            } else if (block != null && line.equals("```")) {
                blocks.add(block.toString());
                block = null;
            } else if (block != null) {
                block.append(line).append('\n');
            }
        }
        assertThat(blocks).hasSizeGreaterThanOrEqualTo(5).allSatisfy(snippet -> assertThat(source).contains(snippet));
    }
}
