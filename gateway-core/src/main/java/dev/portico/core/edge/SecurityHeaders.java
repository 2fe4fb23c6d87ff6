package dev.portico.core.edge;

import dev.portico.core.Chain;
import dev.portico.core.Filter;
import dev.portico.core.Headers;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.internal.Checks;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * A filter that adds security headers to every response, keeping a value the backend already set unless told to
 * override it.
 *
 * <pre>{@code
 * Filter headers = SecurityHeaders.builder().hsts(Duration.ofDays(365), true).contentTypeOptions()
 *         .frameOptions("DENY").referrerPolicy("no-referrer").build();
 * }</pre>
 */
public final class SecurityHeaders implements Filter {

    private final Headers headers;
    private final boolean override;

    private SecurityHeaders(Headers headers, boolean override) {
        this.headers = headers;
        this.override = override;
    }

    /** Returns a new builder that adds no header yet. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public CompletionStage<Response> filter(Request request, Chain chain) {
        return chain.proceed(request).thenApply(this::apply);
    }

    private Response apply(Response response) {
        Response.Builder out = null;
        for (int i = 0; i < headers.size(); i++) {
            String name = headers.name(i);
            if (override || !response.headers().contains(name)) {
                out = out != null ? out : response.toBuilder();
                out.header(name, headers.value(i));
            }
        }
        return out == null ? response : out.build();
    }

    /** A builder of {@link SecurityHeaders}. */
    public static final class Builder {

        private final Map<String, String> headers = new LinkedHashMap<>();
        private boolean override;

        private Builder() {
        }

        /**
         * Adds {@code Strict-Transport-Security: max-age=<seconds>}, with {@code includeSubDomains} if asked; browsers
         * heed it over HTTPS only.
         */
        public Builder hsts(Duration maxAge, boolean includeSubDomains) {
            Checks.positive(maxAge, "maxAge");
            headers.put("Strict-Transport-Security",
                    "max-age=" + maxAge.getSeconds() + (includeSubDomains ? "; includeSubDomains" : ""));
            return this;
        }

        /** Adds {@code X-Content-Type-Options: nosniff}. */
        public Builder contentTypeOptions() {
            headers.put("X-Content-Type-Options", "nosniff");
            return this;
        }

        /** Adds {@code X-Frame-Options} with this value: {@code DENY} or {@code SAMEORIGIN}. */
        public Builder frameOptions(String value) {
            Objects.requireNonNull(value, "frameOptions");
            if (!value.equalsIgnoreCase("DENY") && !value.equalsIgnoreCase("SAMEORIGIN")) {
                throw new IllegalArgumentException("frameOptions: " + value + " (expected: DENY or SAMEORIGIN)");
            }
            headers.put("X-Frame-Options", value.toUpperCase(java.util.Locale.ROOT));
            return this;
        }

        /** Adds {@code Referrer-Policy} with this value, such as {@code no-referrer}. */
        public Builder referrerPolicy(String value) {
            headers.put("Referrer-Policy", token(value, "referrerPolicy"));
            return this;
        }

        /** Replaces a value the backend set for any of these headers, instead of keeping it (the default). */
        public Builder override(boolean override) {
            this.override = override;
            return this;
        }

        /** Returns the filter; throws when no header was chosen. */
        public SecurityHeaders build() {
            if (headers.isEmpty()) {
                throw new IllegalArgumentException("headers: none (expected: at least one security header)");
            }
            Headers.Builder built = Headers.builder();
            headers.forEach(built::add);
            return new SecurityHeaders(built.build(), override);
        }

        private static String token(String value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isBlank() || !value.chars().allMatch(c -> c > ' ' && c < 0x7f || c == ' ')) {
                throw new IllegalArgumentException(name + ": " + value + " (expected: a header value)");
            }
            return value.trim();
        }
    }
}
