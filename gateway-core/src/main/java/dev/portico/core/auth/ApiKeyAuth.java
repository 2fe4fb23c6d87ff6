package dev.portico.core.auth;

import dev.portico.core.Chain;
import dev.portico.core.Filter;
import dev.portico.core.GatewayException;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.internal.Digests;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A filter that authenticates a caller by an API key in a header (default {@code X-API-Key}) or a query parameter,
 * puts the key's {@link Principal} (scheme {@code api-key}) under {@link Principal#KEY}, and answers 401 otherwise.
 *
 * <pre>{@code
 * Filter apiKeys = ApiKeyAuth.builder().key("mobile-app", "free", Set.of("orders:read"), secret).build();
 * }</pre>
 *
 * <p>Only SHA-256 hashes of the keys are held; a presented key is hashed and compared with every configured hash in
 * constant time, so timing shows neither whether nor which key matched. A request with more than one key is refused.
 * The key is removed from the request before it goes on, unless {@link Builder#forwardKey(boolean) forwardKey(true)}.
 * No error message ever repeats a key.
 */
public final class ApiKeyAuth implements Filter {

    /** The scheme of the principals this filter makes. */
    public static final String SCHEME = "api-key";

    private record Entry(byte[] hash, Principal principal) {
    }

    private final String header;
    private final String query;
    private final List<Entry> entries;
    private final boolean forwardKey;
    private final String challenge;

    private ApiKeyAuth(Builder b) {
        this.header = b.header;
        this.query = b.query;
        this.entries = List.copyOf(b.entries);
        this.forwardKey = b.forwardKey;
        this.challenge = "ApiKey realm=\"" + b.realm + '"';
    }

    /** Returns a builder; at least one key is required. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public CompletionStage<Response> filter(Request request, Chain chain) {
        List<String> presented = new ArrayList<>(request.headers().getAll(header));
        if (query != null) {
            presented.addAll(request.queryParams(query));
        }
        if (presented.isEmpty()) {
            return refuse("an API key is required");
        }
        if (presented.size() > 1) {
            return refuse("more than one API key was sent");
        }
        Principal principal = match(presented.get(0));
        if (principal == null) {
            return refuse("the API key is not valid");
        }
        chain.context().put(Principal.KEY, principal);
        return chain.proceed(forwardKey ? request : withoutKey(request));
    }

    /** Returns the principal whose hash equals the key's, comparing with every hash and never stopping early. */
    private Principal match(String key) {
        byte[] hash = Digests.sha256(key.getBytes(StandardCharsets.UTF_8));
        Principal found = null;
        for (Entry entry : entries) {
            boolean equal = MessageDigest.isEqual(hash, entry.hash());
            found = equal ? entry.principal() : found;
        }
        return found;
    }

    private Request withoutKey(Request request) {
        Request.Builder out = request.toBuilder().removeHeader(header);
        if (query != null && request.rawQuery() != null) {
            out.rawQuery(removeParameter(request.rawQuery(), query));
        }
        return out.build();
    }

    /** Returns the raw query without the parameters whose decoded name is {@code name}; {@code null} when none is left. */
    static String removeParameter(String rawQuery, String name) {
        StringBuilder kept = new StringBuilder(rawQuery.length());
        for (String part : rawQuery.split("&", -1)) {
            int eq = part.indexOf('=');
            String rawName = eq < 0 ? part : part.substring(0, eq);
            if (decode(rawName).equals(name)) {
                continue;
            }
            if (kept.length() > 0) {
                kept.append('&');
            }
            kept.append(part);
        }
        return kept.length() == 0 ? null : kept.toString();
    }

    private static String decode(String part) {
        if (part.indexOf('%') < 0 && part.indexOf('+') < 0) {
            return part;
        }
        try {
            return URLDecoder.decode(part, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return part;
        }
    }

    private CompletionStage<Response> refuse(String message) {
        return CompletableFuture.failedFuture(GatewayException.unauthorized(challenge, message));
    }

    @Override
    public String toString() {
        return "ApiKeyAuth{header=" + header + (query == null ? "" : ", query=" + query) + ", keys=" + entries.size() + '}';
    }

    /** A builder of {@link ApiKeyAuth}. */
    public static final class Builder {

        private String header = "X-API-Key";
        private String query;
        private final List<Entry> entries = new ArrayList<>();
        private boolean forwardKey;
        private String realm = "api";
        private IllegalArgumentException invalid;

        private Builder() {
        }

        /** Sets the header that carries the key; default {@code X-API-Key}. */
        public Builder header(String header) {
            this.header = Objects.requireNonNull(header, "header");
            return this;
        }

        /** Also accepts the key in this query parameter, such as {@code api_key}; off by default. */
        public Builder query(String query) {
            this.query = Objects.requireNonNull(query, "query");
            return this;
        }

        /** Adds a key and the principal it authenticates (its scheme must be {@code api-key}); only its hash is kept. */
        public Builder key(String key, Principal principal) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(principal, "principal");
            if (key.isBlank()) {
                fail("key: blank (expected: a non-blank key)");
            }
            return add(Digests.sha256(key.getBytes(StandardCharsets.UTF_8)), principal);
        }

        /** Adds a key for a principal with this subject (the key's name), plan (or {@code null}) and scopes. */
        public Builder key(String name, String plan, Set<String> scopes, String key) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(scopes, "scopes");
            return key(key, Principal.builder(name, SCHEME).plan(plan).scopes(scopes).build());
        }

        /**
         * Adds a key by the hex SHA-256 hash of its UTF-8 bytes (as {@code sha256sum} prints it), so the key itself
         * need not be in the configuration.
         */
        public Builder keySha256(String hexHash, Principal principal) {
            Objects.requireNonNull(hexHash, "hexHash");
            Objects.requireNonNull(principal, "principal");
            byte[] hash = null;
            if (hexHash.length() == 64) {
                try {
                    hash = HexFormat.of().parseHex(hexHash.toLowerCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    hash = null;
                }
            }
            if (hash == null) {
                fail("hexHash: " + hexHash + " (expected: 64 hex digits)");
                return this;
            }
            return add(hash, principal);
        }

        /** Sets whether the key goes on to the upstream; default {@code false}: it is removed from the request. */
        public Builder forwardKey(boolean forwardKey) {
            this.forwardKey = forwardKey;
            return this;
        }

        /** Sets the realm of the {@code WWW-Authenticate: ApiKey realm="..."} challenge; default {@code api}. */
        public Builder realm(String realm) {
            this.realm = Objects.requireNonNull(realm, "realm");
            return this;
        }

        /** Returns the filter. */
        public ApiKeyAuth build() {
            if (invalid != null) {
                throw new IllegalArgumentException(invalid.getMessage());
            }
            if (entries.isEmpty()) {
                throw new IllegalArgumentException("keys: none (expected: at least one key)");
            }
            checkToken(header, "header");
            if (query != null && query.isEmpty()) {
                throw new IllegalArgumentException("query: empty (expected: a parameter name)");
            }
            for (int i = 0; i < realm.length(); i++) {
                char c = realm.charAt(i);
                if (c == '"' || c == '\\' || c < 0x20 || c == 0x7f) {
                    throw new IllegalArgumentException("realm: " + realm
                            + " (expected: no quote, backslash or control character)");
                }
            }
            for (int i = 0; i < entries.size(); i++) {
                for (int j = i + 1; j < entries.size(); j++) {
                    if (MessageDigest.isEqual(entries.get(i).hash(), entries.get(j).hash())) {
                        throw new IllegalArgumentException("keys: the keys of " + entries.get(i).principal().subject()
                                + " and " + entries.get(j).principal().subject() + " are the same (expected: distinct keys)");
                    }
                }
            }
            return new ApiKeyAuth(this);
        }

        private Builder add(byte[] hash, Principal principal) {
            if (!principal.scheme().equals(SCHEME)) {
                fail("principal.scheme: " + principal.scheme() + " (expected: " + SCHEME + ")");
            }
            entries.add(new Entry(hash, principal));
            return this;
        }

        private void fail(String message) {
            if (invalid == null) {
                invalid = new IllegalArgumentException(message);
            }
        }

        private static void checkToken(String name, String what) {
            if (name.isEmpty() || !name.chars().allMatch(c -> c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0)) {
                throw new IllegalArgumentException(what + ": " + name + " (expected: a header name)");
            }
        }
    }
}
