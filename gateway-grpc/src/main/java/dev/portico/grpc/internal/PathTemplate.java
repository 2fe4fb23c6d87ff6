package dev.portico.grpc.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@code google.api.http} path template turned into a route pattern: literal segments stay, and each variable of
 * one segment ({@code {id}}, {@code {item.id}} or {@code {id=*}}) becomes a capture that sets that field.
 *
 * @param pattern  the route pattern, with captures named by the field path (dots as dashes)
 * @param captures each capture's name and the field path it sets
 */
public record PathTemplate(String pattern, Map<String, String> captures) {

    /**
     * Parses a template.
     *
     * @throws IllegalArgumentException for what routes cannot express: multi-segment variables ({@code {name=a/*}},
     *                                  {@code **}), and custom verbs ({@code :verb})
     */
    public static PathTemplate parse(String template) {
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("path template: " + template + " (expected: starts with /)");
        }
        int lastSlash = template.lastIndexOf('/');
        if (template.indexOf(':', lastSlash) >= 0 && template.lastIndexOf('}') < template.lastIndexOf(':')) {
            throw unsupported(template, "custom verbs (:verb)");
        }
        StringBuilder pattern = new StringBuilder();
        Map<String, String> captures = new LinkedHashMap<>();
        for (String segment : template.substring(1).split("/", -1)) {
            pattern.append('/');
            if (segment.startsWith("{") && segment.endsWith("}")) {
                String variable = segment.substring(1, segment.length() - 1);
                int equals = variable.indexOf('=');
                if (equals >= 0) {
                    if (!variable.substring(equals + 1).equals("*")) {
                        throw unsupported(template, "variables over several segments ({field=a/*})");
                    }
                    variable = variable.substring(0, equals);
                }
                if (variable.isEmpty()) {
                    throw new IllegalArgumentException("path template: " + template + " (empty variable)");
                }
                String capture = variable.replace('.', '-');
                captures.put(capture, variable);
                pattern.append('{').append(capture).append('}');
            } else if (segment.indexOf('{') >= 0 || segment.indexOf('}') >= 0 || segment.equals("**")) {
                throw unsupported(template, "variables within a segment or over several segments");
            } else {
                pattern.append(segment);
            }
        }
        return new PathTemplate(pattern.toString(), Map.copyOf(captures));
    }

    private static IllegalArgumentException unsupported(String template, String what) {
        return new IllegalArgumentException("path template: " + template + " (routes do not support " + what + ')');
    }
}
