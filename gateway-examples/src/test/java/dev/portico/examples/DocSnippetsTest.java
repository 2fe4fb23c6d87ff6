package dev.portico.examples;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The Java snippets in README.md and every guide under docs/ are quoted verbatim from compiled sources. */
class DocSnippetsTest {

    private static final Path ROOT = Path.of("..");
    private static final Path EXAMPLES = Path.of("src/main/java/dev/portico/examples");

    @Test
    void readmeExampleIsQuickStart() throws IOException {
        List<String> snippets = javaBlocks(ROOT.resolve("README.md"));
        assertThat(snippets).hasSize(1);
        assertThat(Files.readString(EXAMPLES.resolve("QuickStart.java"))).contains(snippets.get(0));
    }

    @Test
    void guideSnippetsAreGuideExamples() throws IOException {
        List<String> snippets = javaBlocks(ROOT.resolve("docs/guide.md"));
        String source = Files.readString(EXAMPLES.resolve("guide/GuideExamples.java"));
        assertThat(snippets).isNotEmpty().allSatisfy(snippet -> assertThat(source).contains(snippet));
    }

    @Test
    void authSnippetsAreAuthKeyAndEdgeExamples() throws IOException {
        List<String> snippets = javaBlocks(ROOT.resolve("docs/auth.md"));
        String source = Files.readString(EXAMPLES.resolve("guide/AuthExamples.java"))
                + Files.readString(EXAMPLES.resolve("guide/KeyExamples.java"))
                + Files.readString(EXAMPLES.resolve("guide/EdgeExamples.java"));
        assertThat(snippets).isNotEmpty().allSatisfy(snippet -> assertThat(source).contains(snippet));
    }

    @Test
    void aggregationSnippetsAreAggregationAndTransformExamples() throws IOException {
        String source = Files.readString(EXAMPLES.resolve("guide/AggregationExamples.java"))
                + Files.readString(EXAMPLES.resolve("guide/TransformExamples.java"));
        assertThat(javaBlocks(ROOT.resolve("docs/aggregation.md"))).hasSize(13).allSatisfy(s -> assertThat(source).contains(s));
    }

    @Test
    void rateLimitSnippetsAreRateLimitExamples() throws IOException {
        List<String> snippets = javaBlocks(ROOT.resolve("docs/rate-limiting.md"));
        String source = Files.readString(EXAMPLES.resolve("guide/RateLimitExamples.java"))
                + Files.readString(EXAMPLES.resolve("guide/RedisExamples.java"));
        assertThat(snippets).isNotEmpty().allSatisfy(snippet -> assertThat(source).contains(snippet));
    }

    @Test
    void resilienceSnippetsAreResilienceExamples() throws IOException {
        List<String> snippets = javaBlocks(ROOT.resolve("docs/resilience.md"));
        String source = Files.readString(EXAMPLES.resolve("guide/ResilienceInstanceExamples.java"))
                + Files.readString(EXAMPLES.resolve("guide/ResilienceCallExamples.java"));
        assertThat(snippets).hasSizeGreaterThan(10).allSatisfy(snippet -> assertThat(source).contains(snippet));
    }

    @Test
    void observabilitySnippetsAreObservabilityExamples() throws IOException {
        String source = Files.readString(EXAMPLES.resolve("guide/ObservabilityOtelExamples.java"))
                + Files.readString(EXAMPLES.resolve("guide/ObservabilityOpsExamples.java"));
        assertThat(javaBlocks(ROOT.resolve("docs/observability.md"))).hasSizeGreaterThan(4)
                .allSatisfy(snippet -> assertThat(source).contains(snippet));
    }

    @Test
    void grpcSnippetsAreGrpcExamples() throws IOException {
        String source = Files.readString(EXAMPLES.resolve("guide/GrpcExamples.java"));
        assertThat(javaBlocks(ROOT.resolve("docs/grpc.md"))).hasSizeGreaterThan(4)
                .allSatisfy(snippet -> assertThat(source).contains(snippet));
    }

    @Test
    void graphqlSnippetsAreGraphqlExamples() throws IOException {
        String source = Files.readString(EXAMPLES.resolve("guide/GraphqlExamples.java"));
        assertThat(javaBlocks(ROOT.resolve("docs/graphql.md"))).hasSizeGreaterThanOrEqualTo(4)
                .allSatisfy(snippet -> assertThat(source).contains(snippet));
    }

    @Test
    void protocolSnippetsAreProtocolsAndStreamExamples() throws IOException {
        String source = Files.readString(EXAMPLES.resolve("guide/ProtocolsExamples.java"))
                + Files.readString(EXAMPLES.resolve("guide/StreamExamples.java"));
        assertThat(javaBlocks(ROOT.resolve("docs/protocols.md"))).hasSizeGreaterThanOrEqualTo(7)
                .allSatisfy(snippet -> assertThat(source).contains(snippet));
    }

    @Test
    void testingSnippetsAreTestingExamples() throws IOException {
        String source = Files.readString(Path.of("src/test/java/dev/portico/examples/guide/TestingExamples.java"));
        assertThat(javaBlocks(ROOT.resolve("docs/testing.md"))).hasSizeGreaterThanOrEqualTo(6)
                .allSatisfy(snippet -> assertThat(source).contains(snippet));
    }

    private static List<String> javaBlocks(Path markdown) throws IOException {
        List<String> blocks = new ArrayList<>();
        StringBuilder block = null;
        for (String line : Files.readAllLines(markdown)) {
            if (block == null && line.equals("```java")) {
                block = new StringBuilder();
            } else if (block != null && line.equals("```")) {
                blocks.add(block.toString());
                block = null;
            } else if (block != null) {
                block.append(line).append('\n');
            }
        }
        return blocks;
    }
}
