package dev.portico.core.aggregate;

import dev.portico.core.internal.http.FieldValues;
import dev.portico.core.internal.http.Paths;
import dev.portico.core.internal.json.JsonPath;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A text with {@code {placeholders}}, parsed once: {@code {id}} a path capture, {@code {sub}} the principal's subject,
 * {@code {claim.a.b}} a claim, {@code {query.name}} and {@code {header.name}} the client's, {@code {each}} or
 * {@code {each.path}} the fan-out element, and {@code {part.path}} a field of another part's answer.
 */
final class Template {

    /** The sources that the first segment of a dotted placeholder names, other than a part. */
    static final Set<String> SOURCES = Set.of("query", "header", "claim", "each");

    enum Kind { LITERAL, CAPTURE, SUBJECT, CLAIM, QUERY, HEADER, EACH, PART }

    /**
     * One piece: literal text (with its percent-encoded form for a path, made once), or a placeholder of a kind with
     * a name (capture, query, header, part) and a path.
     */
    record Piece(Kind kind, String name, JsonPath path, String text, String pathText) {

        static Piece literal(String text) {
            return new Piece(Kind.LITERAL, null, null, text, Paths.encodeText(text));
        }
    }

    private final String text;
    private final List<Piece> pieces;
    private final Set<String> parts;

    private Template(String text, List<Piece> pieces) {
        this.text = text;
        this.pieces = pieces;
        Set<String> referenced = new LinkedHashSet<>();
        for (Piece piece : pieces) {
            if (piece.kind == Kind.PART) {
                referenced.add(piece.name);
            }
        }
        this.parts = Set.copyOf(referenced);
    }

    /** Parses a template; every dotted placeholder must start with a source, or with a part's name checked later. */
    static Template parse(String text) {
        Objects.requireNonNull(text, "template");
        List<Piece> pieces = new ArrayList<>();
        int at = 0;
        for (int open = text.indexOf('{'); open >= 0; open = text.indexOf('{', at)) {
            int close = text.indexOf('}', open);
            if (close < 0 || text.indexOf('}', at) < open) {
                throw invalid(text);
            }
            if (open > at) {
                pieces.add(Piece.literal(text.substring(at, open)));
            }
            pieces.add(placeholder(text, text.substring(open + 1, close)));
            at = close + 1;
        }
        if (text.indexOf('}', at) >= 0) {
            throw invalid(text);
        }
        if (at < text.length()) {
            pieces.add(Piece.literal(text.substring(at)));
        }
        return new Template(text, List.copyOf(pieces));
    }

    private static Piece placeholder(String text, String inside) {
        if (inside.isEmpty() || inside.indexOf('{') >= 0) {
            throw invalid(text);
        }
        int dot = inside.indexOf('.');
        if (dot < 0) {
            return switch (inside) {
                case "sub" -> new Piece(Kind.SUBJECT, inside, null, inside, null);
                case "each" -> new Piece(Kind.EACH, inside, null, inside, null);
                default -> new Piece(Kind.CAPTURE, inside, null, inside, null);
            };
        }
        String source = inside.substring(0, dot);
        String rest = inside.substring(dot + 1);
        if (rest.isEmpty()) {
            throw invalid(text);
        }
        return switch (source) {
            case "query" -> new Piece(Kind.QUERY, rest, null, inside, null);
            case "header" -> new Piece(Kind.HEADER, rest, null, inside, null);
            case "claim" -> new Piece(Kind.CLAIM, rest, null, inside, null);
            case "each" -> new Piece(Kind.EACH, source, JsonPath.parse(rest), inside, null);
            default -> new Piece(Kind.PART, source, JsonPath.parse(rest), inside, null);
        };
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("template: " + text
                + " (expected: text with {capture}, {sub}, {claim.x}, {query.x}, {header.x}, {each} or {part.path})");
    }

    /** Returns the names of the parts this template reads. */
    Set<String> parts() {
        return parts;
    }

    /** Returns whether this template reads the fan-out element. */
    boolean readsEach() {
        for (Piece piece : pieces) {
            if (piece.kind == Kind.EACH) {
                return true;
            }
        }
        return false;
    }

    /** How a value is written into the result: as a path segment, a query value or as it is. */
    enum Encoding { SEGMENT, QUERY, NONE }

    /** Where placeholders take their values from; returns {@code null} for a value that is absent. */
    interface Values {
        String value(Piece piece);
    }

    /**
     * Returns the text with each placeholder replaced by its value, encoded as asked (literals of a path are
     * percent-encoded as text), or throws {@link Unusable} naming the first placeholder without a usable value.
     */
    String render(Values values, Encoding encoding) {
        if (pieces.size() == 1 && pieces.get(0).kind == Kind.LITERAL && encoding != Encoding.SEGMENT) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (Piece piece : pieces) {
            if (piece.kind == Kind.LITERAL) {
                out.append(encoding == Encoding.SEGMENT ? piece.pathText : piece.text);
                continue;
            }
            String value = values.value(piece);
            if (value == null) {
                throw new Unusable("no value for {" + piece.text + "}", true);
            }
            if (encoding == Encoding.SEGMENT && (value.isEmpty() || value.equals(".") || value.equals(".."))) {
                throw new Unusable("{" + piece.text + "} is not a usable path segment", false);
            }
            if (encoding == Encoding.NONE && !FieldValues.isSafe(value)) {
                throw new Unusable("{" + piece.text + "} is not a usable header value", false);
            }
            out.append(switch (encoding) {
                case SEGMENT -> Paths.encodeSegment(value);
                case QUERY -> java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8);
                case NONE -> piece.kind == Kind.HEADER ? value : FieldValues.utf8(value); // a header's is octets already
            });
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return text;
    }

    /** A placeholder without a usable value in this request. */
    static final class Unusable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private final boolean missing;

        Unusable(String message, boolean missing) {
            super(message, null, false, false);
            this.missing = missing;
        }

        /** Returns whether the placeholder had no value at all, rather than an unusable one. */
        boolean missing() {
            return missing;
        }
    }
}
