package dev.portico.core.internal.routing;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** A parsed route path pattern: literal segments, {@code {name}} captures, {@code *} and a final {@code **}. */
public final class PathPattern {

    /** What one pattern segment matches. */
    public enum Kind { LITERAL, CAPTURE, TAIL }

    /** One segment: its kind, and the literal text or the capture name ({@code null} for {@code *}). */
    public record Segment(Kind kind, String value) {
    }

    private final String text;
    private final List<Segment> segments;
    private final List<String> captureNames;

    private PathPattern(String text, List<Segment> segments, List<String> captureNames) {
        this.text = text;
        this.segments = segments;
        this.captureNames = captureNames;
    }

    /** Parses a pattern, or throws {@link IllegalArgumentException} saying what is wrong with it. */
    public static PathPattern parse(String text) {
        if (text.isEmpty() || text.charAt(0) != '/') {
            throw new IllegalArgumentException("pattern: " + text + " (expected: starts with '/')");
        }
        List<Segment> segments = new ArrayList<>();
        List<String> names = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        String[] parts = text.equals("/") ? new String[0] : text.substring(1).split("/", -1);
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (part.equals("**")) {
                if (i != parts.length - 1) {
                    throw new IllegalArgumentException("pattern: " + text + " ('**' must be the last segment)");
                }
                segments.add(new Segment(Kind.TAIL, null));
            } else if (part.equals("*")) {
                segments.add(new Segment(Kind.CAPTURE, null));
                names.add(null);
            } else if (part.startsWith("{") && part.endsWith("}")) {
                String name = part.substring(1, part.length() - 1);
                if (!isIdentifier(name)) {
                    throw new IllegalArgumentException("pattern: " + text + " (capture '" + part + "' expected: {name} with letters, digits, '_' or '-')");
                }
                if (!seen.add(name)) {
                    throw new IllegalArgumentException("pattern: " + text + " (capture '" + name + "' appears twice)");
                }
                segments.add(new Segment(Kind.CAPTURE, name));
                names.add(name);
            } else if (part.isEmpty() && i != parts.length - 1) {
                throw new IllegalArgumentException("pattern: " + text + " (empty segment)");
            } else if (part.indexOf('{') >= 0 || part.indexOf('}') >= 0 || part.indexOf('*') >= 0
                    || part.indexOf('%') >= 0 || part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException("pattern: " + text + " (segment '" + part
                        + "' expected: a decoded literal, {name}, * or a final **)");
            } else {
                segments.add(new Segment(Kind.LITERAL, part));
            }
        }
        return new PathPattern(text, List.copyOf(segments), java.util.Collections.unmodifiableList(names));
    }

    private static boolean isIdentifier(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** Returns the pattern as written. */
    public String text() {
        return text;
    }

    /** Returns the segments. */
    public List<Segment> segments() {
        return segments;
    }

    /** Returns the capture names in segment order; {@code null} for a {@code *}. */
    public List<String> captureNames() {
        return captureNames;
    }
}
