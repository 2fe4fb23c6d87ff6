package dev.portico.graphql.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A request target with placeholders, such as {@code /products/{id}?category={category}}, parsed once: a path
 * placeholder must have a value; a query parameter whose placeholder has none is left out; values are
 * percent-encoded, and a collection's elements are encoded one by one and joined with commas.
 */
public final class UrlTemplate {

    private final String text;
    private final List<Object> path;              // String literals and Placeholder
    private final List<Param> query;

    /**
     * A template that cannot be rendered with the values at hand; its message is safe to show to a client, and it says
     * whether the value was one a client could have sent ({@code ""}, {@code .}, {@code ..}) or none was found.
     */
    public static final class Unusable extends IllegalArgumentException {

        private static final long serialVersionUID = 1L;
        private final boolean unusableValue;

        Unusable(String message, boolean unusableValue) {
            super(message);
            this.unusableValue = unusableValue;
        }

        /**
         * Returns whether a value was there but names no resource (most often a client's argument), rather than
         * missing (most often the schema's wiring or an upstream's data).
         */
        public boolean unusableValue() {
            return unusableValue;
        }
    }

    private record Placeholder(String name) {
    }

    private record Param(String name, List<Object> pieces) {
    }

    private UrlTemplate(String text, List<Object> path, List<Param> query) {
        this.text = text;
        this.path = path;
        this.query = query;
    }

    /** Parses a template; throws {@link IllegalArgumentException} when it is malformed. */
    public static UrlTemplate parse(String text) {
        Objects.requireNonNull(text, "template");
        if (!text.startsWith("/")) {
            throw new IllegalArgumentException("template: \"" + text + "\" (expected: a path starting with /)");
        }
        int q = text.indexOf('?');
        List<Object> path = pieces(text, q < 0 ? text : text.substring(0, q));
        List<Param> query = new ArrayList<>();
        if (q >= 0) {
            for (String pair : text.substring(q + 1).split("&")) {
                int eq = pair.indexOf('=');
                if (pair.isEmpty() || eq == 0 || pair.indexOf('{') >= 0 && eq < 0) {
                    throw new IllegalArgumentException("template: \"" + text + "\" (expected: name=value pairs)");
                }
                String name = eq < 0 ? pair : pair.substring(0, eq);
                query.add(new Param(name, eq < 0 ? List.of() : pieces(text, pair.substring(eq + 1))));
            }
        }
        return new UrlTemplate(text, List.copyOf(path), List.copyOf(query));
    }

    private static List<Object> pieces(String template, String part) {
        List<Object> pieces = new ArrayList<>();
        int at = 0;
        while (at < part.length()) {
            int open = part.indexOf('{', at);
            if (open < 0) {
                pieces.add(part.substring(at));
                break;
            }
            int close = part.indexOf('}', open);
            if (close < 0 || close == open + 1 || part.indexOf('{', open + 1) >= 0 && part.indexOf('{', open + 1) < close) {
                throw new IllegalArgumentException("template: \"" + template + "\" (expected: {name} placeholders)");
            }
            if (open > at) {
                pieces.add(part.substring(at, open));
            }
            pieces.add(new Placeholder(part.substring(open + 1, close)));
            at = close + 1;
        }
        if (pieces.stream().anyMatch(p -> p instanceof String s && s.indexOf('}') >= 0)) {
            throw new IllegalArgumentException("template: \"" + template + "\" (expected: {name} placeholders)");
        }
        return pieces;
    }

    /** Returns the names of the placeholders, in order. */
    public List<String> placeholders() {
        List<String> names = new ArrayList<>();
        path.forEach(p -> addName(p, names));
        query.forEach(param -> param.pieces().forEach(p -> addName(p, names)));
        return names;
    }

    private static void addName(Object piece, List<String> names) {
        if (piece instanceof Placeholder placeholder) {
            names.add(placeholder.name());
        }
    }

    /**
     * Returns the raw path and query (the query {@code null} when empty) with each placeholder's value; throws
     * {@link Unusable} when a path placeholder has none, or only {@code .} or {@code ..}.
     */
    public String[] render(Function<String, Object> values) {
        StringBuilder rawPath = new StringBuilder();
        for (Object piece : path) {
            if (piece instanceof Placeholder p) {
                String value = encoded(values.apply(p.name()));
                if (value == null || value.isEmpty() || value.equals(".") || value.equals("..")) {
                    throw new Unusable("no usable value for {" + p.name() + "}", value != null);
                }
                rawPath.append(value);
            } else {
                rawPath.append((String) piece);
            }
        }
        StringBuilder rawQuery = new StringBuilder();
        params:
        for (Param param : query) {
            StringBuilder value = new StringBuilder();
            for (Object piece : param.pieces()) {
                if (piece instanceof Placeholder p) {
                    String encoded = encoded(values.apply(p.name()));
                    if (encoded == null) {
                        continue params;
                    }
                    value.append(encoded);
                } else {
                    value.append((String) piece);
                }
            }
            rawQuery.append(rawQuery.length() == 0 ? "" : "&").append(param.name());
            if (!param.pieces().isEmpty()) {
                rawQuery.append('=').append(value);
            }
        }
        return new String[] {rawPath.toString(), rawQuery.length() == 0 ? null : rawQuery.toString()};
    }

    private static String encoded(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Collection<?> values) {
            StringBuilder joined = new StringBuilder();
            for (Object element : values) {
                joined.append(joined.length() == 0 ? "" : ",").append(encode(scalar(element)));
            }
            return joined.toString();
        }
        return encode(scalar(value));
    }

    /** Returns the text of a scalar, a whole double without its fraction ({@code 3.0} is {@code 3}). */
    private static String scalar(Object value) {
        if (value instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15) {
            return Long.toString(d.longValue());
        }
        return String.valueOf(value);
    }

    /** Percent-encodes everything but RFC 3986's unreserved characters. */
    static String encode(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return text;
    }
}
