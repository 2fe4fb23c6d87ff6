package dev.portico.core.auth;

import dev.portico.core.AttributeKey;
import dev.portico.core.Context;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The authenticated caller, as an authentication filter puts it in the {@link Context} for later filters (rate
 * limits by subject, aggregation parts, access logs): its subject, how it was authenticated, its scopes, its plan,
 * and the claims it came with.
 *
 * <pre>{@code
 * Principal caller = Principal.of(chain.context());   // null when the request is not authenticated
 * }</pre>
 */
public final class Principal {

    /** Where authentication filters put the principal. */
    public static final AttributeKey<Principal> KEY = AttributeKey.of("portico.principal", Principal.class);

    private final String subject;
    private final String scheme;
    private final Set<String> scopes;
    private final String plan;
    private final Map<String, Object> claims;

    private Principal(Builder b) {
        this.subject = b.subject;
        this.scheme = b.scheme;
        this.scopes = Set.copyOf(b.scopes);
        this.plan = b.plan;
        this.claims = Map.copyOf(b.claims);
    }

    /** Returns the principal of the request this context belongs to, or {@code null} when it is not authenticated. */
    public static Principal of(Context context) {
        return context.get(KEY);
    }

    /** Returns a builder of a principal with this subject, authenticated by {@code scheme} ({@code jwt}, {@code api-key}). */
    public static Builder builder(String subject, String scheme) {
        return new Builder(subject, scheme);
    }

    /** Returns the subject: a JWT's {@code sub}, an API key's name. */
    public String subject() {
        return subject;
    }

    /** Returns how the caller was authenticated, such as {@code jwt} or {@code api-key}. */
    public String scheme() {
        return scheme;
    }

    /** Returns the scopes granted. */
    public Set<String> scopes() {
        return scopes;
    }

    /** Returns the plan or tier (an API key's, or a claim's), or {@code null}. */
    public String plan() {
        return plan;
    }

    /** Returns the claims, as JSON values: strings, numbers, booleans, lists and maps. */
    public Map<String, Object> claims() {
        return claims;
    }

    /**
     * Returns the claim at a dotted path such as {@code realm_access.roles}, or {@code null}; a top-level claim whose
     * own name holds a dot is found only when the path finds nothing.
     */
    public Object claim(String path) {
        return claimAt(claims, Objects.requireNonNull(path, "path"));
    }

    /**
     * Returns the value at a dotted path in claims, or {@code null}; a top-level name holding a dot is found only when
     * the path finds nothing, so that a claim an identity provider lets users name cannot stand in for its own.
     */
    static Object claimAt(Map<String, ?> claims, String path) {
        if (path.indexOf('.') < 0) {
            return claims.get(path);
        }
        Object value = claims;
        for (String part : path.split("\\.", -1)) {
            if (!(value instanceof Map<?, ?> map)) {
                value = null;
                break;
            }
            value = map.get(part);
        }
        return value != null ? value : claims.get(path);
    }

    /** Returns the strings at a dotted claim path: a list's string elements, or one string; empty otherwise. */
    public List<String> claimStrings(String path) {
        Object value = claim(path);
        if (value instanceof String one) {
            return List.of(one);
        }
        if (value instanceof List<?> list) {
            return list.stream().filter(String.class::isInstance).map(String.class::cast).toList();
        }
        return List.of();
    }

    @Override
    public String toString() {
        return "Principal{" + scheme + ' ' + subject + (plan == null ? "" : " plan=" + plan) + " scopes=" + scopes + '}';
    }

    /** A builder of {@link Principal}. */
    public static final class Builder {

        private final String subject;
        private final String scheme;
        private Set<String> scopes = Set.of();
        private String plan;
        private final Map<String, Object> claims = new LinkedHashMap<>();

        private Builder(String subject, String scheme) {
            this.subject = Objects.requireNonNull(subject, "subject");
            this.scheme = Objects.requireNonNull(scheme, "scheme");
        }

        /** Sets the scopes granted. */
        public Builder scopes(Set<String> scopes) {
            this.scopes = Set.copyOf(scopes);
            return this;
        }

        /** Sets the plan or tier. */
        public Builder plan(String plan) {
            this.plan = plan;
            return this;
        }

        /** Sets the claims (JSON values). */
        public Builder claims(Map<String, ?> claims) {
            this.claims.clear();
            claims.forEach((name, value) -> {
                if (value != null) {
                    this.claims.put(name, value);
                }
            });
            return this;
        }

        /** Returns the principal. */
        public Principal build() {
            return new Principal(this);
        }
    }
}
