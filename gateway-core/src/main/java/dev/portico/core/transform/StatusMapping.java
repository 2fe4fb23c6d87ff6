package dev.portico.core.transform;

import dev.portico.core.Chain;
import dev.portico.core.Filter;
import dev.portico.core.Request;
import dev.portico.core.Response;

import java.util.concurrent.CompletionStage;

/**
 * A filter that replaces the status of the responses it sees by a fixed table, keeping headers and body; the
 * gateway's own errors, which are not responses yet at this point, pass unchanged.
 *
 * <pre>{@code
 * Filter statuses = StatusMapping.builder().map(201, 200).map(404, 204).build();
 * }</pre>
 */
public final class StatusMapping implements Filter {

    private final int[] table;

    private StatusMapping(int[] table) {
        this.table = table;
    }

    /** Returns a new builder that maps no status yet. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public CompletionStage<Response> filter(Request request, Chain chain) {
        return chain.proceed(request).thenApply(response -> {
            int mapped = table[response.status()];
            return mapped == 0 ? response : response.toBuilder().status(mapped).build();
        });
    }

    /** A builder of {@link StatusMapping}. */
    public static final class Builder {

        private final int[] table = new int[600];
        private boolean any;

        private Builder() {
        }

        /** Answers {@code to} where the response has status {@code from}; both are final statuses, 200 to 599. */
        public Builder map(int from, int to) {
            check(from, "from");
            check(to, "to");
            if (table[from] != 0) {
                throw new IllegalArgumentException("from: " + from + " (expected: mapped once, already to " + table[from] + ')');
            }
            table[from] = to;
            any = true;
            return this;
        }

        /** Returns the filter, or throws {@link IllegalArgumentException} when it maps nothing. */
        public StatusMapping build() {
            if (!any) {
                throw new IllegalArgumentException("statuses: none (expected: at least one map(from, to))");
            }
            return new StatusMapping(table.clone());
        }

        private static void check(int status, String name) {
            if (status < 200 || status > 599) {
                throw new IllegalArgumentException(name + ": " + status + " (expected: 200-599)");
            }
        }
    }
}
