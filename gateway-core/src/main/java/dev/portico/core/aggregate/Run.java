package dev.portico.core.aggregate;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.portico.core.Context;
import dev.portico.core.GatewayException;
import dev.portico.core.Headers;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.auth.Principal;
import dev.portico.core.internal.body.Collector;
import dev.portico.core.internal.json.JsonPath;
import dev.portico.core.internal.json.StrictJson;
import dev.portico.core.internal.pipeline.Pipeline;
import dev.portico.core.aggregate.PartResult.Outcome;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;

/**
 * One aggregation: the parts' calls, their timers and the deadline, under one lock; decisions are taken under the
 * lock and acted on (calls started or cancelled, the response completed) outside it.
 */
final class Run {

    private static final System.Logger LOG = System.getLogger(Aggregator.class.getName());
    private static final Duration FALLBACK_DEADLINE = Duration.ofSeconds(30);

    private final Aggregator aggregator;
    private final Request request;
    private final Context context;
    private final Principal principal;
    private final Headers forwarded;
    private final Duration deadline;
    private final Slot[] slots;
    private final CompletableFuture<Response> result = new CompletableFuture<>();
    private int open;
    private boolean finished;
    private CompletableFuture<Void> deadlineTimer;

    Run(Aggregator aggregator, Request request, Context context) {
        this.aggregator = aggregator;
        this.request = request;
        this.context = context;
        this.principal = Principal.of(context);
        this.forwarded = forwarded(aggregator, request, context);
        this.deadline = aggregator.deadline() != null ? aggregator.deadline() : routeTimeout(context);
        Part[] parts = aggregator.partArray();
        this.slots = new Slot[parts.length];
        for (int i = 0; i < parts.length; i++) {
            slots[i] = new Slot(i, aggregator.names()[i], parts[i]);
        }
        this.open = parts.length;
    }

    CompletionStage<Response> start() {
        List<Runnable> after = new ArrayList<>();
        synchronized (this) {
            deadlineTimer = timer(deadline, this::deadlinePassed);
            for (Slot slot : slots) {
                if (aggregator.dependenciesOf(slot.index).length == 0) {
                    slot.started = true;
                    after.add(() -> launch(slot));
                }
            }
        }
        after.forEach(Runnable::run);
        return result;
    }

    private static Duration routeTimeout(Context context) {
        if (context.route() != null && context.route().timeout() != null) {
            return context.route().timeout();
        }
        return context instanceof Pipeline pipeline ? pipeline.gateway().timeout() : FALLBACK_DEADLINE;
    }

    private static Headers forwarded(Aggregator aggregator, Request request, Context context) {
        Headers.Builder headers = Headers.builder();
        for (String name : aggregator.forwardHeaders()) {
            request.headers().getAll(name).forEach(value -> headers.add(name, value));
        }
        if (context instanceof Pipeline pipeline) {
            if (aggregator.forwardIdentityHeaders()) {
                for (String name : pipeline.gateway().identityHeaders()) {
                    request.headers().getAll(name).forEach(value -> headers.add(name, value));
                }
            }
            if (pipeline.requestId() != null) { // a handler part sees it too, not only a call that goes out
                headers.set(pipeline.gateway().requestIds().headerName(), pipeline.requestId());
            }
        }
        return headers.build();
    }

    // --- starting parts

    private void launch(Slot slot) {
        List<Request> calls;
        synchronized (this) {
            if (finished || slot.ended) {
                return;
            }
            try {
                calls = requests(slot);
            } catch (Template.Unusable e) {
                calls = null;
                slot.message = e.getMessage();
            } catch (RuntimeException e) { // such as a header value the request model refuses: the part fails, now
                calls = null;
                slot.message = "its request could not be built";
            }
            if (calls != null) {
                slot.pending = calls.size();
                slot.items = new JsonElement[calls.size()];
                Duration timeout = slot.part.timeout();
                if (timeout != null) {
                    slot.timer = timer(timeout, () -> end(slot, Outcome.TIMED_OUT, null, 0,
                            "no answer within its timeout of " + timeout.toMillis() + " ms"));
                }
            }
        }
        if (calls == null) {
            end(slot, Outcome.FAILED, null, 0, slot.message);
            return;
        }
        if (calls.isEmpty()) {
            end(slot, Outcome.OK, new JsonArray(), 0, null);
            return;
        }
        for (int i = 0; i < calls.size(); i++) {
            int item = i;
            CompletableFuture<Response> call;
            try {
                call = (slot.part.handler() != null ? slot.part.handler().handle(calls.get(i), context)
                        : context.send(slot.part.upstream(), calls.get(i), slot.part.sendOptions())).toCompletableFuture();
            } catch (RuntimeException e) {
                call = CompletableFuture.failedFuture(e);
            }
            if (!register(slot, call)) {
                call.cancel(false);
                return;
            }
            call.whenComplete((response, failure) -> answered(slot, item, response, failure));
        }
    }

    /** Returns the part's requests (one, or one per fan-out element); called under the lock. */
    private List<Request> requests(Slot slot) {
        Part part = slot.part;
        if (part.forEach() == null) {
            return List.of(request(part, null));
        }
        JsonPath path = part.forEach();
        Slot source = slots[aggregator.indexOf(path.first())];
        JsonPath rest = path.rest();
        JsonElement values = rest == null ? source.raw : rest.get(source.raw);
        if (values == null || !values.isJsonArray()) {
            throw new Template.Unusable("no array at " + path + " to fan out over", false);
        }
        JsonArray array = values.getAsJsonArray();
        int count = Math.min(array.size(), part.maxCalls());
        slot.truncated = array.size() > count;
        List<Request> requests = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            requests.add(request(part, array.get(i)));
        }
        return requests;
    }

    private Request request(Part part, JsonElement each) {
        Template.Values values = piece -> value(piece, each);
        String rawPath = part.path().render(values, Template.Encoding.SEGMENT);
        StringBuilder query = new StringBuilder();
        if (part.literalQuery() != null) {
            query.append(part.literalQuery());
        }
        part.query().forEach((name, template) -> {
            String value = optional(template, values, Template.Encoding.QUERY);
            if (value != null) {
                query.append(query.length() == 0 ? "" : "&")
                        .append(name).append('=').append(value);
            }
        });
        Request.Builder call = Request.builder(part.method(), rawPath)
                .rawQuery(query.length() == 0 ? null : query.toString())
                .headers(forwarded)
                .header("Accept", "application/json");
        part.headers().forEach((name, template) -> {
            String value = optional(template, values, Template.Encoding.NONE);
            if (value != null) {
                call.header(name, value);
            }
        });
        return call.build();
    }

    /** Renders a query or header template, or returns {@code null} when a placeholder in it has no value. */
    private static String optional(Template template, Template.Values values, Template.Encoding encoding) {
        try {
            return template.render(values, encoding);
        } catch (Template.Unusable e) {
            if (e.missing()) {
                return null;
            }
            throw e;
        }
    }

    private String value(Template.Piece piece, JsonElement each) {
        return switch (piece.kind()) {
            case CAPTURE -> context.pathParam(piece.name());
            case SUBJECT -> principal == null ? null : principal.subject();
            case CLAIM -> principal == null ? null : claim(principal.claim(piece.name()));
            case QUERY -> request.queryParam(piece.name());
            case HEADER -> request.header(piece.name());
            case EACH -> scalar(piece.path() == null ? each : piece.path().get(each));
            case PART -> scalar(piece.path().get(slots[aggregator.indexOf(piece.name())].raw));
            case LITERAL -> piece.text();
        };
    }

    /** Returns the string form of a scalar JSON value, or {@code null} for null, an object or an array. */
    private static String scalar(JsonElement value) {
        return value != null && value.isJsonPrimitive() ? value.getAsString() : null;
    }

    private static String claim(Object value) {
        return value instanceof String || value instanceof Number || value instanceof Boolean ? value.toString() : null;
    }

    // --- answers

    private synchronized boolean register(Slot slot, CompletableFuture<?> work) {
        if (finished || slot.ended) {
            return false;
        }
        slot.work.add(work);
        return true;
    }

    private synchronized boolean register(Slot slot, Collector reader) {
        if (finished || slot.ended) {
            return false;
        }
        slot.readers.add(reader);
        return true;
    }

    private void answered(Slot slot, int item, Response response, Throwable failure) {
        String upstream = slot.part.target();
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof CancellationException) {
                return; // cancelled here, once the part or the aggregation had ended
            }
            if (cause instanceof GatewayException refused) {
                end(slot, refused.status() == 504 ? Outcome.TIMED_OUT : Outcome.FAILED, null, 0, refused.getMessage());
            } else {
                LOG.log(System.Logger.Level.WARNING, "part " + slot.name + " failed", cause);
                end(slot, Outcome.FAILED, null, 0, "the call to upstream " + upstream + " failed");
            }
            return;
        }
        int status = response.status();
        if (status == 404 && slot.part.notFoundIsNull()) {
            response.body().discard();
            item(slot, item, JsonNull.INSTANCE, status);
            return;
        }
        if (status < 200 || status > 299) {
            response.body().discard();
            end(slot, Outcome.FAILED, null, status, "upstream " + upstream + " answered " + status);
            return;
        }
        long max = slot.part.maxBodySize();
        if (response.body().length() > max) {
            response.body().discard();
            end(slot, Outcome.FAILED, null, status, tooLarge(upstream, max));
            return;
        }
        Collector reader = new Collector(max, response.body().length());
        if (!register(slot, reader)) {
            response.body().discard();
            return;
        }
        response.body().subscribe(reader);
        reader.result().whenComplete((bytes, error) -> {
            if (error == null) {
                JsonElement value = parse(bytes);
                if (value == null) {
                    end(slot, Outcome.FAILED, null, status, "upstream " + upstream + " answered invalid JSON");
                } else {
                    item(slot, item, value, status);
                }
            } else if (error instanceof GatewayException g && g.status() == 413) {
                end(slot, Outcome.FAILED, null, status, tooLarge(upstream, max));
            } else if (!(error instanceof CancellationException)) {
                end(slot, error instanceof GatewayException g && g.status() == 504 ? Outcome.TIMED_OUT : Outcome.FAILED,
                        null, status, "upstream " + upstream + " broke off its response");
            }
        });
    }

    private static String tooLarge(String upstream, long max) {
        return "the response of upstream " + upstream + " exceeds " + max + " bytes";
    }

    /** Parses strict JSON; an empty body is {@code null} JSON, anything invalid is {@code null}. */
    /** Returns the part's answer as JSON ({@code null} for an empty body), or {@code null} when it is not JSON. */
    private static JsonElement parse(byte[] bytes) {
        return bytes.length == 0 ? JsonNull.INSTANCE : StrictJson.parse(bytes);
    }

    private void item(Slot slot, int item, JsonElement value, int status) {
        JsonElement whole;
        synchronized (this) {
            if (finished || slot.ended) {
                return;
            }
            slot.items[item] = value;
            slot.status = status;
            if (--slot.pending > 0) {
                return;
            }
            if (slot.part.forEach() == null) {
                whole = slot.items[0];
            } else {
                JsonArray array = new JsonArray(slot.items.length);
                for (JsonElement element : slot.items) {
                    array.add(element);
                }
                whole = array;
            }
        }
        end(slot, Outcome.OK, whole, status, null);
    }

    // --- ending

    private void end(Slot slot, Outcome outcome, JsonElement raw, int status, String message) {
        List<Runnable> after = new ArrayList<>();
        synchronized (this) {
            if (finished || slot.ended) {
                return;
            }
            settle(slot, outcome, raw, status, message, after);
        }
        after.forEach(Runnable::run);
    }

    private void deadlinePassed() {
        List<Runnable> after = new ArrayList<>();
        synchronized (this) {
            for (Slot slot : slots) {
                if (finished) {
                    break;
                }
                if (!slot.ended) {
                    settle(slot, Outcome.TIMED_OUT, null, 0,
                            "no answer within the deadline of " + deadline.toMillis() + " ms", after);
                }
            }
        }
        after.forEach(Runnable::run);
    }

    /** Ends a part, starts or skips the parts that wait for it, and finishes when it decides; under the lock. */
    private void settle(Slot slot, Outcome outcome, JsonElement raw, int status, String message, List<Runnable> after) {
        slot.ended = true;
        slot.outcome = outcome;
        slot.raw = raw;
        slot.status = status;
        slot.message = message;
        open--;
        after.add(slot::stop);
        if (outcome != Outcome.OK && !slot.part.isOptional()) {
            finish(outcome == Outcome.TIMED_OUT
                    ? GatewayException.gatewayTimeout("part " + slot.name + " timed out: " + message)
                    : GatewayException.badGateway("part " + slot.name + " failed: " + message), after);
            return;
        }
        for (int dependent : aggregator.dependentsOf(slot.index)) {
            Slot next = slots[dependent];
            if (next.ended || next.started) {
                continue;
            }
            Slot failed = null;
            boolean ready = true;
            for (int need : aggregator.dependenciesOf(dependent)) {
                Slot dependency = slots[need];
                ready &= dependency.ended;
                if (dependency.ended && dependency.outcome != Outcome.OK) {
                    failed = dependency;
                }
            }
            if (failed != null) {
                settle(next, failed.outcome, null, 0, "needs part " + failed.name + ", which "
                        + (failed.outcome == Outcome.TIMED_OUT ? "timed out" : "failed"), after);
                if (finished) {
                    return;
                }
            } else if (ready) {
                next.started = true;
                after.add(() -> launch(next));
            }
        }
        if (open == 0 && !finished) {
            finish(null, after);
        }
    }

    /** Finishes the aggregation with this error, or with the combined parts; under the lock. */
    private void finish(GatewayException error, List<Runnable> after) {
        finished = true;
        after.add(() -> {
            deadlineTimer.complete(null);
            for (Slot slot : slots) {
                slot.stop();
            }
        });
        if (error != null) {
            after.add(() -> result.completeExceptionally(error));
            return;
        }
        boolean anyOk = false;
        boolean allTimedOut = true;
        for (Slot slot : slots) {
            anyOk |= slot.outcome == Outcome.OK;
            allTimedOut &= slot.outcome == Outcome.TIMED_OUT;
        }
        if (!anyOk) {
            GatewayException none = allTimedOut ? GatewayException.gatewayTimeout("every part timed out")
                    : GatewayException.badGateway("every part failed");
            after.add(() -> result.completeExceptionally(none));
            return;
        }
        after.add(this::respond);
    }

    /** Shapes and combines the ended parts, outside the lock: nothing changes them once the run has finished. */
    private void respond() {
        try {
            Map<String, PartResult> results = new LinkedHashMap<>();
            boolean partial = false;
            for (Slot slot : slots) {
                partial |= slot.outcome != Outcome.OK || slot.truncated;
                JsonElement value = slot.outcome == Outcome.OK ? shaped(slot) : JsonNull.INSTANCE;
                results.put(slot.name, new PartResult(slot.name, slot.outcome, value, slot.status, slot.message));
            }
            JsonElement body = aggregator.combiner() != null ? aggregator.combiner().combine(
                    java.util.Collections.unmodifiableMap(results)) : combine(results);
            Response response = Response.json(200, Objects.requireNonNullElse(body, JsonNull.INSTANCE).toString());
            result.complete(partial ? response.toBuilder().header(Aggregator.PARTIAL_HEADER, "true").build() : response);
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
    }

    private static JsonElement shaped(Slot slot) {
        Shape shape = slot.part.shape();
        if (slot.part.forEach() == null || !slot.raw.isJsonArray()) {
            return shape.apply(slot.raw);
        }
        JsonArray shaped = new JsonArray(slot.raw.getAsJsonArray().size());
        for (JsonElement element : slot.raw.getAsJsonArray()) {
            shaped.add(shape.apply(element));
        }
        return shaped;
    }

    private JsonObject combine(Map<String, PartResult> results) {
        JsonObject combined = new JsonObject();
        for (Slot slot : slots) {
            PartResult part = results.get(slot.name);
            if (!part.isOk() && aggregator.omitFailedParts()) {
                continue;
            }
            JsonElement value = part.value();
            if (slot.part.isAtRoot() && value.isJsonObject()) {
                value.getAsJsonObject().entrySet().forEach(field -> combined.add(field.getKey(), field.getValue()));
            } else if (!slot.part.isAtRoot() || part.isOk()) {
                combined.add(slot.part.key() != null ? slot.part.key() : slot.name, value);
            }
        }
        return combined;
    }

    /**
     * Runs {@code action} once {@code after} has passed on the request's time source, unless the returned timer is
     * completed first. The timer only hands the action over, to where the request's timed steps run (the exchange's
     * IO thread), so that answering at a deadline (shaping, combining, the filters after it) delays no other timer.
     */
    private CompletableFuture<Void> timer(Duration after, Runnable action) {
        Executor executor = context instanceof Pipeline pipeline ? pipeline.executor() : ForkJoinPool.commonPool();
        CompletableFuture<Void> timer = new CompletableFuture<>();
        Future<?> task = context.time().schedule(() -> {
            if (timer.complete(null)) {
                try {
                    executor.execute(action);
                } catch (RejectedExecutionException e) {
                    action.run(); // the IO thread is gone: the deadline still ends the run rather than leave it hanging
                }
            }
        }, after);
        timer.whenComplete((done, failure) -> task.cancel(false));
        return timer;
    }

    /** One part's state in this run. */
    private static final class Slot {
        final int index;
        final String name;
        final Part part;
        final List<CompletableFuture<?>> work = new ArrayList<>(1);
        final List<Collector> readers = new ArrayList<>(1);
        boolean started;
        boolean ended;
        boolean truncated;
        int pending;
        JsonElement[] items;
        CompletableFuture<Void> timer;
        Outcome outcome;
        JsonElement raw;
        int status;
        String message;

        Slot(int index, String name, Part part) {
            this.index = index;
            this.name = name;
            this.part = part;
        }

        /** Cancels the part's timer, calls and body reads; harmless for those already done. */
        void stop() {
            if (timer != null) {
                timer.complete(null);
            }
            work.forEach(call -> call.cancel(false));
            readers.forEach(Collector::cancel);
        }
    }
}
