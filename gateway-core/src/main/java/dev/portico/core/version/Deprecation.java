package dev.portico.core.version;

import dev.portico.core.Chain;
import dev.portico.core.Filter;
import dev.portico.core.Request;
import dev.portico.core.Response;

import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * A filter that marks every response as deprecated: {@code Deprecation: @<unix-seconds>} (RFC 9745), and if given a
 * {@code Sunset} HTTP-date (RFC 8594) and a {@code Link} with {@code rel="deprecation"} to the documentation.
 *
 * <pre>{@code
 * Filter deprecated = Deprecation.builder(Instant.parse("2025-01-01T00:00:00Z"))
 *         .sunset(Instant.parse("2026-01-01T00:00:00Z"))
 *         .link(URI.create("https://developer.example.com/deprecation"))
 *         .build();
 * }</pre>
 */
public final class Deprecation implements Filter {

    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private final String deprecation;
    private final String sunset;
    private final String link;

    private Deprecation(Builder b) {
        this.deprecation = "@" + b.date.getEpochSecond();
        this.sunset = b.sunset == null ? null : HTTP_DATE.format(b.sunset);
        this.link = b.link == null ? null : '<' + b.link.toASCIIString() + ">; rel=\"deprecation\"";
    }

    /** Returns a builder for a deprecation that took effect, or takes effect, at this instant. */
    public static Builder builder(Instant date) {
        return new Builder(Objects.requireNonNull(date, "date"));
    }

    @Override
    public CompletionStage<Response> filter(Request request, Chain chain) {
        return chain.proceed(request).thenApply(this::mark);
    }

    /** Returns the response with the deprecation headers; a {@code Link} the upstream sent is kept. */
    Response mark(Response response) {
        Response.Builder marked = response.toBuilder().header("Deprecation", deprecation);
        if (sunset != null) {
            marked.header("Sunset", sunset);
        }
        if (link != null) {
            marked.addHeader("Link", link);
        }
        return marked.build();
    }

    /** A builder of {@link Deprecation}. */
    public static final class Builder {

        private final Instant date;
        private Instant sunset;
        private URI link;

        private Builder(Instant date) {
            this.date = date;
        }

        /** Sets when the deprecated resource stops answering, sent as {@code Sunset}; not before the deprecation. */
        public Builder sunset(Instant sunset) {
            Objects.requireNonNull(sunset, "sunset");
            if (sunset.isBefore(date)) {
                throw new IllegalArgumentException("sunset: " + sunset + " (expected: not before the deprecation, " + date + ')');
            }
            this.sunset = sunset;
            return this;
        }

        /** Sets the documentation of the deprecation, sent as {@code Link: <uri>; rel="deprecation"}. */
        public Builder link(URI link) {
            Objects.requireNonNull(link, "link");
            if (!link.isAbsolute()) {
                throw new IllegalArgumentException("link: " + link + " (expected: an absolute URI)");
            }
            this.link = link;
            return this;
        }

        /** Returns the filter. */
        public Deprecation build() {
            return new Deprecation(this);
        }
    }
}
