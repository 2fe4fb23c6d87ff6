package dev.portico.core.internal.routing;

import dev.portico.core.Filter;
import dev.portico.core.GatewayException;
import dev.portico.core.Request;
import dev.portico.core.Route;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Routes compiled into a segment trie at build time: a lookup walks the request path's segments once (backtracking
 * only where a literal, a capture and a tail all match), compiles nothing and scans no route list.
 *
 * <p>Precedence at each segment is literal, then capture, then {@code **}; within one node, declaration order.
 */
public final class Router {

    /** A matched route, its decoded path captures and its pipeline: the global filters, then the route's. */
    public record Match(Route route, Map<String, String> params, Filter[] filters) {
    }

    private static final class Node {
        final Map<String, Node> literals = new HashMap<>();
        Node capture;
        final List<Entry> here = new ArrayList<>();
        final List<Entry> tail = new ArrayList<>();
    }

    private record Entry(Route route, List<String> captureNames, Filter[] filters) {
    }

    private final Node root = new Node();

    /** Compiles routes in declaration order, each with the global filters ahead of its own. */
    public Router(List<Route> routes, List<Filter> globalFilters) {
        for (Route route : routes) {
            PathPattern pattern = PathPattern.parse(route.pattern());
            Node node = root;
            List<Filter> pipeline = new ArrayList<>(globalFilters);
            pipeline.addAll(route.filters());
            Entry entry = new Entry(route, pattern.captureNames(), pipeline.toArray(new Filter[0]));
            boolean tail = false;
            for (PathPattern.Segment segment : pattern.segments()) {
                switch (segment.kind()) {
                    case LITERAL -> node = node.literals.computeIfAbsent(segment.value(), k -> new Node());
                    case CAPTURE -> node = node.capture != null ? node.capture : (node.capture = new Node());
                    case TAIL -> tail = true;
                }
            }
            (tail ? node.tail : node.here).add(entry);
        }
    }

    /**
     * Returns the most specific route whose path, method and conditions match the request, or throws 404 when no
     * route's path matches and 405 (with {@code Allow}) when only the method does not.
     */
    public Match route(Request request) {
        String path = request.path();
        String[] segments = split(path);
        Lookup lookup = new Lookup(request, segments, false);
        Match match = lookup.walk(root, 0);
        if (match != null) {
            return match;
        }
        if (lookup.methodRefused) {
            // only now, on the way to a 405, walk again to gather Allow: a hit never pays for the set
            Lookup allow = new Lookup(request, segments, true);
            allow.walk(root, 0);
            throw GatewayException.methodNotAllowed(request.method(), allow.allowed);
        }
        throw GatewayException.notFound("no route for " + request.method() + ' ' + path);
    }

    static String[] split(String path) {
        if (path.length() <= 1) {
            return new String[0];
        }
        int count = 1;
        for (int i = 1; i < path.length(); i++) {
            if (path.charAt(i) == '/') {
                count++;
            }
        }
        String[] segments = new String[count];
        int start = 1;
        for (int s = 0; s < count; s++) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = path.length();
            }
            segments[s] = path.substring(start, end);
            start = end + 1;
        }
        return segments;
    }

    private static final class Lookup {
        final Request request;
        final String[] segments;
        final String[] captured;
        final boolean gatherAllowed;
        int depth;
        boolean methodRefused;
        Set<String> allowed;

        Lookup(Request request, String[] segments, boolean gatherAllowed) {
            this.request = request;
            this.segments = segments;
            this.captured = new String[segments.length];
            this.gatherAllowed = gatherAllowed;
        }

        Match walk(Node node, int index) {
            if (index == segments.length) {
                Match match = pick(node.here);
                return match != null ? match : pick(node.tail);
            }
            String segment = segments[index];
            Node literal = node.literals.get(segment);
            if (literal != null) {
                Match match = walk(literal, index + 1);
                if (match != null) {
                    return match;
                }
            }
            if (node.capture != null && !segment.isEmpty()) {
                captured[depth++] = segment;
                Match match = walk(node.capture, index + 1);
                depth--;
                if (match != null) {
                    return match;
                }
            }
            return pick(node.tail);
        }

        Match pick(List<Entry> entries) {
            for (int i = 0; i < entries.size(); i++) {
                Entry entry = entries.get(i);
                Route route = entry.route();
                if (!route.matchesConditions(request)) {
                    continue;
                }
                if (!route.allows(request.method())) {
                    methodRefused = true;
                    if (gatherAllowed) {
                        if (allowed == null) {
                            allowed = new LinkedHashSet<>();
                        }
                        allowed.addAll(route.methods());
                        if (route.methods().contains("GET")) {
                            allowed.add("HEAD");
                        }
                    }
                    continue;
                }
                return new Match(route, params(entry.captureNames()), entry.filters());
            }
            return null;
        }

        Map<String, String> params(List<String> names) {
            if (names.isEmpty()) {
                return Map.of();
            }
            Map<String, String> params = new LinkedHashMap<>(names.size() * 2);
            for (int i = 0; i < names.size(); i++) {
                if (names.get(i) != null) {
                    params.put(names.get(i), captured[i]);
                }
            }
            return params;
        }
    }
}
