package dev.portico.graphql.internal;

import graphql.ExecutionInput;
import graphql.execution.preparsed.PreparsedDocumentEntry;
import graphql.execution.preparsed.PreparsedDocumentProvider;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Parsed and validated documents by query text, so that a query clients repeat is parsed and validated once: at most
 * {@code capacity} of them, forgotten all at once when full (many distinct queries then cost what no cache would);
 * a document with errors is not kept. The depth and complexity limits still run on every execution.
 */
public final class DocumentCache implements PreparsedDocumentProvider {

    private final int capacity;
    private final ConcurrentHashMap<String, PreparsedDocumentEntry> documents = new ConcurrentHashMap<>();

    /** Returns a cache of at most this many documents. */
    public DocumentCache(int capacity) {
        this.capacity = capacity;
    }

    @Override
    public CompletableFuture<PreparsedDocumentEntry> getDocumentAsync(ExecutionInput input,
            Function<ExecutionInput, PreparsedDocumentEntry> parseAndValidate) {
        String query = input.getQuery();
        PreparsedDocumentEntry entry = documents.get(query);
        if (entry == null) {
            entry = parseAndValidate.apply(input);
            if (!entry.hasErrors()) {
                if (documents.size() >= capacity) {
                    documents.clear();
                }
                documents.put(query, entry);
            }
        }
        return CompletableFuture.completedFuture(entry);
    }

    /** Returns how many documents are kept. */
    public int size() {
        return documents.size();
    }
}
