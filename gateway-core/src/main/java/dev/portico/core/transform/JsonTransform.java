package dev.portico.core.transform;

import com.google.gson.JsonElement;
import dev.portico.core.Body;
import dev.portico.core.Chain;
import dev.portico.core.Filter;
import dev.portico.core.GatewayException;
import dev.portico.core.Headers;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.internal.json.JsonEdit;
import dev.portico.core.internal.json.JsonPath;
import dev.portico.core.internal.json.StrictJson;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * A filter that buffers the JSON body of each request, or of each 2xx response, up to a bound, applies its edits in
 * order and sends the result with its new {@code Content-Length}; a body of another media type streams through
 * unchanged.
 *
 * <p>Paths are the aggregator's, as in {@code Shape}: dotted names ({@code customer.name}), where a number selects an
 * array element ({@code items.0}), {@code *} every element or field value, and a name met on an array applies to
 * each element ({@code items.price} is every item's price). A path that reaches nothing changes nothing. A JSON
 * body is {@code application/json} or any {@code +json} type. Over the bound, the answer is 413 for a request body
 * and 502 for a response body; a request body that is not JSON gets 400, a response body 502.
 *
 * <pre>{@code
 * Filter legacy = JsonTransform.response()
 *         .rename("name", "title")
 *         .remove("items.internalSku")
 *         .set("meta.apiVersion", "1")
 *         .build();
 * }</pre>
 */
public final class JsonTransform implements Filter {

    /** The default bound on a body to transform: 1 MiB. */
    public static final long DEFAULT_MAX_BYTES = 1024 * 1024;

    private final boolean response;
    private final JsonEdit[] edits;
    private final long maxBytes;

    private JsonTransform(Builder b) {
        this.response = b.response;
        this.edits = b.edits.toArray(new JsonEdit[0]);
        this.maxBytes = b.maxBytes;
    }

    /** Returns a builder of a filter that transforms JSON request bodies before they go on. */
    public static Builder request() {
        return new Builder(false);
    }

    /**
     * Returns a builder of a filter that transforms JSON bodies of 2xx responses; it asks the upstream for an
     * unencoded body ({@code Accept-Encoding: identity}), and an encoded JSON body gets 502.
     */
    public static Builder response() {
        return new Builder(true);
    }

    @Override
    public CompletionStage<Response> filter(Request request, Chain chain) {
        if (!response) {
            return transform(request).thenCompose(chain::proceed);
        }
        boolean head = request.method().equals("HEAD");
        // a whole, uncompressed body or none: a range of a JSON document cannot be parsed, nor edited into a range
        return chain.proceed(request.toBuilder().header("Accept-Encoding", "identity")
                        .removeHeader("Range").removeHeader("If-Range").build())
                .thenCompose(answer -> transform(answer, head));
    }

    private CompletionStage<Request> transform(Request request) {
        Body body = request.body();
        if (body.length() == 0 || !JsonCodec.isJson(request.header("Content-Type"))) {
            return CompletableFuture.completedFuture(request);
        }
        String encoding = JsonCodec.encoding(request.headers());
        if (encoding != null) {
            body.discard();
            return CompletableFuture.failedFuture(new GatewayException(415, "unsupported_media_type",
                    "a JSON request body with Content-Encoding " + encoding + " cannot be transformed"));
        }
        return body.bytes(maxBytes).thenApply(bytes -> {
            byte[] edited = edit(bytes, () -> GatewayException.badRequest("the request body is not valid JSON"));
            return request.toBuilder().body(Body.of(edited)).headers(h -> edited(h, edited.length)).build();
        });
    }

    private CompletionStage<Response> transform(Response answer, boolean head) {
        if (answer.status() < 200 || answer.status() > 299 || !JsonCodec.isJson(answer.header("Content-Type"))) {
            return CompletableFuture.completedFuture(answer);
        }
        if (head) { // the length of a body that is not sent is unknown after the edits; the rest is as for GET
            return CompletableFuture.completedFuture(answer.toBuilder()
                    .headers(h -> edited(h, -1).remove("Content-Length")).build());
        }
        Body body = answer.body();
        if (body.length() == 0) {
            return CompletableFuture.completedFuture(answer);
        }
        String encoding = JsonCodec.encoding(answer.headers());
        if (encoding != null) {
            body.discard();
            return CompletableFuture.failedFuture(GatewayException.badGateway(
                    "the upstream sent a JSON body with Content-Encoding " + encoding + ", which cannot be transformed"));
        }
        return body.bytes(maxBytes).handle((bytes, failure) -> {
            if (failure != null) {
                throw tooLargeIsBadGateway(failure);
            }
            byte[] edited = edit(bytes, () -> GatewayException.badGateway("the upstream's response body is not valid JSON"));
            return answer.toBuilder().body(Body.of(edited)).headers(h -> edited(h, edited.length)).build();
        });
    }

    /** Parses, edits and writes a body; an empty one stays empty. */
    private byte[] edit(byte[] bytes, Supplier<GatewayException> invalid) {
        if (bytes.length == 0) {
            return bytes;
        }
        JsonElement document = StrictJson.parse(bytes);
        if (document == null) {
            throw invalid.get();
        }
        for (JsonEdit edit : edits) {
            edit.apply(document);
        }
        return JsonCodec.write(document);
    }

    /**
     * Makes the headers of an edited message true of its new body of {@code length} bytes (-1: not sent): its own
     * framing, a weak {@code ETag} (the same upstream representation still gives the same bytes) and no digest of
     * the old bytes.
     */
    private static Headers.Builder edited(Headers.Builder headers, int length) {
        headers.remove("Transfer-Encoding");
        if (length >= 0) {
            headers.set("Content-Length", Integer.toString(length));
        }
        String etag = headers.get("ETag");
        if (etag != null && !etag.startsWith("W/")) {
            headers.set("ETag", "W/" + etag);
        }
        return headers.remove("Content-MD5").remove("Digest").remove("Content-Digest").remove("Repr-Digest");
    }

    private RuntimeException tooLargeIsBadGateway(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof GatewayException refused && refused.status() == 413) {
            return GatewayException.badGateway("the response body exceeds " + maxBytes + " bytes");
        }
        return cause instanceof RuntimeException unchecked ? unchecked : new CompletionException(cause);
    }

    /** A builder of {@link JsonTransform}: the edits, applied in the order added, and the bound. */
    public static final class Builder {

        private final boolean response;
        private final List<JsonEdit> edits = new ArrayList<>();
        private long maxBytes = DEFAULT_MAX_BYTES;

        private Builder(boolean response) {
            this.response = response;
        }

        /** Renames the field at {@code path}, which ends in a name, to {@code name} in place, replacing one so named. */
        public Builder rename(String path, String name) {
            return edit(JsonEdit.rename(JsonPath.parse(path), name));
        }

        /** Removes the field at {@code path}, or the array elements a final number or {@code *} selects. */
        public Builder remove(String path) {
            return edit(JsonEdit.remove(JsonPath.parse(path)));
        }

        /**
         * Sets the field at {@code path} to a value (a {@link JsonElement}, or any value Gson serializes), replacing
         * what it held and adding the objects missing on the way.
         */
        public Builder set(String path, Object value) {
            return edit(JsonEdit.set(JsonPath.parse(path), JsonCodec.tree(Objects.requireNonNull(value, "value"))));
        }

        /** Adds the field at {@code path} with a value where it is absent, keeping an existing one (as {@link #set} does not). */
        public Builder add(String path, Object value) {
            return edit(JsonEdit.add(JsonPath.parse(path), JsonCodec.tree(Objects.requireNonNull(value, "value"))));
        }

        /**
         * Replaces each value at {@code path} (a field's whole value, or with a final number or {@code *} array
         * elements) with the function's result, which may be the same value changed in place; {@code null} removes a
         * field and makes an element JSON null. The function must not block.
         */
        public Builder map(String path, UnaryOperator<JsonElement> function) {
            return edit(JsonEdit.map(JsonPath.parse(path), function));
        }

        /** Sets the largest body buffered to transform, in bytes; the default is {@link #DEFAULT_MAX_BYTES}. */
        public Builder maxBytes(long maxBytes) {
            if (maxBytes <= 0) {
                throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: > 0)");
            }
            this.maxBytes = maxBytes;
            return this;
        }

        /** Returns the filter, or throws {@link IllegalArgumentException} when it has no edit. */
        public JsonTransform build() {
            if (edits.isEmpty()) {
                throw new IllegalArgumentException("edits: none (expected: at least one of rename, remove, set, add, map)");
            }
            return new JsonTransform(this);
        }

        private Builder edit(JsonEdit edit) {
            edits.add(edit);
            return this;
        }
    }
}
