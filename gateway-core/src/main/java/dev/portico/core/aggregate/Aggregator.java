package dev.portico.core.aggregate;

import dev.portico.core.Context;
import dev.portico.core.Handler;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.internal.Checks;
import dev.portico.core.internal.http.Paths;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * A route's target that answers with one JSON object combined from several named {@link Part parts}: it calls every
 * part whose inputs are ready at once, in parallel, starts a part that reads another's answer as soon as that one
 * arrives, and answers by its deadline with what arrived; it completes its stage exactly once and never with a
 * part's failure, except a required part's (502, or 504 for a timeout) or every part's.
 *
 * <pre>{@code
 * Route.get("/api/dashboard").filter(jwt).handler(Aggregator.builder()
 *         .part("user", Part.get(users, "/users/{sub}"))
 *         .part("orders", Part.get(orders, "/orders").optional())
 *         .build())
 * }</pre>
 */
public final class Aggregator implements Handler {

    /**
     * The caller's headers that reach every part unless {@link Builder#forwardHeaders} says otherwise; the request id
     * reaches every part in any case, in the gateway's request-id header.
     */
    public static final List<String> DEFAULT_FORWARDED_HEADERS = List.of("Authorization", "traceparent", "tracestate");

    /** The header that marks a response some optional part is missing from. */
    public static final String PARTIAL_HEADER = "X-Gateway-Partial";

    private final String[] names;
    private final Part[] parts;
    private final int[][] dependencies;
    private final int[][] dependents;
    private final Duration deadline;
    private final List<String> forwardHeaders;
    private final boolean forwardIdentityHeaders;
    private final boolean omitFailedParts;
    private final Combiner combiner;
    private final Map<String, Integer> index = new HashMap<>();

    private Aggregator(Builder b) {
        this.names = b.parts.keySet().toArray(new String[0]);
        this.parts = b.parts.values().toArray(new Part[0]);
        for (int i = 0; i < names.length; i++) {
            index.put(names[i], i);
        }
        this.dependencies = new int[parts.length][];
        List<List<Integer>> reverse = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            reverse.add(new ArrayList<>());
        }
        for (int i = 0; i < parts.length; i++) {
            Set<String> needs = parts[i].dependencies();
            dependencies[i] = new int[needs.size()];
            int n = 0;
            for (String need : needs) {
                Integer at = index.get(need);
                if (at == null) {
                    throw new IllegalArgumentException("part " + names[i] + ": reads part " + need
                            + ", which does not exist (expected one of " + index.keySet() + ')');
                }
                dependencies[i][n++] = at;
                reverse.get(at).add(i);
            }
        }
        this.dependents = new int[parts.length][];
        for (int i = 0; i < parts.length; i++) {
            dependents[i] = reverse.get(i).stream().mapToInt(Integer::intValue).toArray();
        }
        checkAcyclic();
        this.deadline = b.deadline;
        this.forwardHeaders = List.copyOf(b.forwardHeaders);
        this.forwardIdentityHeaders = b.forwardIdentityHeaders;
        this.omitFailedParts = b.omitFailedParts;
        this.combiner = b.combiner;
    }

    private void checkAcyclic() {
        int[] state = new int[parts.length]; // 0 unvisited, 1 on the path, 2 done
        for (int i = 0; i < parts.length; i++) {
            visit(i, state, new ArrayList<>());
        }
    }

    private void visit(int part, int[] state, List<String> path) {
        if (state[part] == 2) {
            return;
        }
        path.add(names[part]);
        if (state[part] == 1) {
            throw new IllegalArgumentException("parts depend on each other in a cycle: " + String.join(" -> ", path));
        }
        state[part] = 1;
        for (int need : dependencies[part]) {
            visit(need, state, path);
        }
        state[part] = 2;
        path.remove(path.size() - 1);
    }

    /** Returns a new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Answers the request by running the parts; see the class's contract. */
    @Override
    public CompletionStage<Response> handle(Request request, Context context) {
        return new Run(this, request, context).start();
    }

    /** Returns the parts by name, in declaration order. */
    public Map<String, Part> parts() {
        Map<String, Part> all = new LinkedHashMap<>();
        for (int i = 0; i < parts.length; i++) {
            all.put(names[i], parts[i]);
        }
        return all;
    }

    /** Returns the deadline of the whole aggregation, or {@code null} for the route's timeout. */
    public Duration deadline() {
        return deadline;
    }

    String[] names() {
        return names;
    }

    Part[] partArray() {
        return parts;
    }

    int indexOf(String part) {
        return index.get(part);
    }

    int[] dependenciesOf(int part) {
        return dependencies[part];
    }

    int[] dependentsOf(int part) {
        return dependents[part];
    }

    List<String> forwardHeaders() {
        return forwardHeaders;
    }

    boolean forwardIdentityHeaders() {
        return forwardIdentityHeaders;
    }

    boolean omitFailedParts() {
        return omitFailedParts;
    }

    Combiner combiner() {
        return combiner;
    }

    /** A builder of {@link Aggregator}; {@link #build()} checks that the parts exist and do not depend in a cycle. */
    public static final class Builder {

        private final Map<String, Part> parts = new LinkedHashMap<>();
        private Duration deadline;
        private final Set<String> forwardHeaders = new LinkedHashSet<>(DEFAULT_FORWARDED_HEADERS);
        private boolean forwardIdentityHeaders = true;
        private boolean omitFailedParts;
        private Combiner combiner;

        private Builder() {
        }

        /**
         * Adds a part under this name, which is also its key in the combined object unless it says otherwise; the
         * names {@code query}, {@code header}, {@code claim}, {@code each} and {@code sub} are taken by placeholders.
         */
        public Builder part(String name, Part part) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(part, "part");
            if (name.isEmpty() || name.indexOf('.') >= 0 || name.indexOf('{') >= 0 || name.indexOf('}') >= 0
                    || Template.SOURCES.contains(name) || name.equals("sub")) {
                throw new IllegalArgumentException("part name: \"" + name
                        + "\" (expected: no dot or brace, and not query, header, claim, each or sub)");
            }
            if (parts.putIfAbsent(name, part) != null) {
                throw new IllegalArgumentException("part " + name + ": declared twice");
            }
            return this;
        }

        /** Adds the part this builder describes under this name. */
        public Builder part(String name, Part.Builder part) {
            return part(name, Objects.requireNonNull(part, "part").build());
        }

        /**
         * Sets the deadline of the whole aggregation (default: the route's timeout): when it passes, every part still
         * running is cancelled and counts as timed out, and the response is made of what arrived.
         */
        public Builder deadline(Duration deadline) {
            this.deadline = Checks.positive(deadline, "deadline");
            return this;
        }

        /**
         * Sets which of the caller's headers every part receives, replacing the default {@code Authorization},
         * {@code traceparent} and {@code tracestate}; none for no header. The request id is sent whatever this says.
         */
        public Builder forwardHeaders(String... names) {
            forwardHeaders.clear();
            for (String name : names) {
                forwardHeaders.add(Paths.token(Objects.requireNonNull(name, "name"), "header name"));
            }
            return this;
        }

        /**
         * Sets whether every part receives the identity headers the gateway's filters set (such as {@code X-User-Id}
         * from a verified token; default {@code true}); a client's own are removed before any filter, either way.
         */
        public Builder forwardIdentityHeaders(boolean forward) {
            this.forwardIdentityHeaders = forward;
            return this;
        }

        /** Leaves a failed optional part out of the combined object instead of giving it {@code null}. */
        public Builder omitFailedParts() {
            this.omitFailedParts = true;
            return this;
        }

        /**
         * Combines the parts with a function of yours instead of by key and root merge; the rules for failures,
         * the deadline and {@code X-Gateway-Partial} still apply.
         */
        public Builder combiner(Combiner combiner) {
            this.combiner = Objects.requireNonNull(combiner, "combiner");
            return this;
        }

        /** Returns the aggregator, or throws {@link IllegalArgumentException} naming what is wrong. */
        public Aggregator build() {
            if (parts.isEmpty()) {
                throw new IllegalArgumentException("aggregator: no parts (expected: at least one part(name, part))");
            }
            return new Aggregator(this);
        }
    }
}
