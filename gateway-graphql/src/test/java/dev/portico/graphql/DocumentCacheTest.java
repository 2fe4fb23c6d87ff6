package dev.portico.graphql;

import dev.portico.graphql.internal.DocumentCache;
import graphql.ExecutionInput;
import graphql.GraphqlErrorBuilder;
import graphql.execution.preparsed.PreparsedDocumentEntry;
import graphql.parser.Parser;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** The document cache parses a repeated query once, never keeps a document with errors, and stays bounded. */
class DocumentCacheTest {

    private final AtomicInteger parses = new AtomicInteger();

    private final Function<ExecutionInput, PreparsedDocumentEntry> parse = input -> {
        parses.incrementAndGet();
        return input.getQuery().contains("bad")
                ? new PreparsedDocumentEntry(GraphqlErrorBuilder.newError().message("bad").build())
                : new PreparsedDocumentEntry(Parser.parse(input.getQuery()));
    };

    private static ExecutionInput query(String query) {
        return ExecutionInput.newExecutionInput().query(query).build();
    }

    @Test
    void parsesARepeatedQueryOnce() {
        DocumentCache cache = new DocumentCache(10);

        PreparsedDocumentEntry first = cache.getDocumentAsync(query("{ a }"), parse).join();
        PreparsedDocumentEntry second = cache.getDocumentAsync(query("{ a }"), parse).join();

        assertThat(second).isSameAs(first);
        assertThat(parses).hasValue(1);
    }

    @Test
    void neverKeepsADocumentWithErrors() {
        DocumentCache cache = new DocumentCache(10);

        cache.getDocumentAsync(query("{ bad }"), parse).join();
        cache.getDocumentAsync(query("{ bad }"), parse).join();

        assertThat(parses).hasValue(2);
        assertThat(cache.size()).isZero();
    }

    @Test
    void staysWithinItsCapacity() {
        DocumentCache cache = new DocumentCache(3);

        for (int i = 0; i < 10; i++) {
            cache.getDocumentAsync(query("{ a" + i + " }"), parse).join();
        }

        assertThat(cache.size()).isBetween(1, 3);
    }
}
