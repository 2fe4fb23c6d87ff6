package dev.portico.core.internal.http;

import dev.portico.core.AttributeKey;
import dev.portico.core.Headers;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.upstream.Endpoint;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** The header rules of a transparent proxy: hop-by-hop removal (RFC 9110 7.6.1), forwarding headers and Host. */
public final class ProxyHeaders {

    /** Set to {@code true} by a filter to forward the client's {@code Host} instead of the upstream's authority. */
    public static final AttributeKey<Boolean> PRESERVE_HOST = AttributeKey.of("portico.preserve-host", Boolean.class);

    private ProxyHeaders() {
    }

    /**
     * Returns whether a header is hop-by-hop on its own, whatever {@code Connection} lists, or is {@code Proxy}, which
     * a CGI-style server would take for its {@code HTTP_PROXY} setting ("httpoxy").
     */
    static boolean isHopByHop(String name) {
        if (name.length() >= 5 && lowerFirst(name) == 'p' && matches(name, 0, "proxy")
                && (name.length() == 5 || name.length() > 6 && matches(name, 5, "-"))) {
            return true;
        }
        switch (name.length()) {
            case 2:
                return name.equalsIgnoreCase("TE");
            case 7:
                return name.equalsIgnoreCase("Trailer") || name.equalsIgnoreCase("Upgrade");
            case 10:
                return name.equalsIgnoreCase("Connection") || matches(name, 0, "keep-alive");
            case 17:
                return matches(name, 0, "transfer-encoding");
            default:
                return false;
        }
    }

    /**
     * Returns whether a name holds {@code lower} (lower case) at {@code from}, ignoring ASCII case and taking
     * {@code _} for {@code -}: CGI-style servers (WSGI, PHP, Rack) read {@code X_User_Id} as {@code X-User-Id}, so a
     * field the gateway removes must go in either spelling.
     */
    private static boolean matches(String name, int from, String lower) {
        if (name.length() - from < lower.length()) {
            return false;
        }
        for (int i = 0; i < lower.length(); i++) {
            char c = name.charAt(from + i);
            if (fold(c) != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Returns whether a field name is {@code other}, ignoring ASCII case and taking {@code _} for {@code -}. */
    static boolean sameName(String name, String other) {
        if (name.length() != other.length()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char a = name.charAt(i);
            char b = other.charAt(i);
            if (a != b && fold(a) != fold(b)) {
                return false;
            }
        }
        return true;
    }

    private static char fold(char c) {
        return c == '_' ? '-' : c >= 'A' && c <= 'Z' ? (char) (c | 0x20) : c;
    }

    /**
     * A fixed set of field names, matched as {@link #sameName} matches them and found by length first, so that most
     * of a request's fields are passed over at one array read: the edge's lists, made once per gateway.
     */
    public static final class Names {

        private final String[][] byLength;

        private Names(String[][] byLength) {
            this.byLength = byLength;
        }

        /** Returns the set of these names. */
        public static Names of(Collection<String> names) {
            int longest = 0;
            for (String name : names) {
                longest = Math.max(longest, name.length());
            }
            String[][] byLength = new String[names.isEmpty() ? 0 : longest + 1][];
            for (String name : names) {
                String[] same = byLength[name.length()];
                same = same == null ? new String[1] : Arrays.copyOf(same, same.length + 1);
                same[same.length - 1] = name;
                byLength[name.length()] = same;
            }
            return new Names(byLength);
        }

        /** Returns whether it holds no name. */
        public boolean isEmpty() {
            return byLength.length == 0;
        }

        /** Returns whether a field name is one of these, in any case and with {@code _} for {@code -}. */
        public boolean contains(String name) {
            String[] same = name.length() < byLength.length ? byLength[name.length()] : null;
            if (same != null) {
                for (String candidate : same) {
                    if (sameName(candidate, name)) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    private static final int KEPT = 0;
    private static final int HOP_BY_HOP = 1;
    private static final int HOST = 2;
    private static final int FORWARDED = 3;
    private static final int FORWARDED_FOR = 4;
    private static final int FORWARDED_PROTO = 5;
    private static final int FORWARDED_HOST = 6;
    private static final int FORWARDED_PORT = 7;
    private static final int LOOK_ALIKE = 8;

    /**
     * Returns which field {@link #forRequest} replaces a name is, or {@link #KEPT}: hop-by-hop ones (the fields a
     * client's {@code Connection} named went at the edge, in {@link #stripConnectionOptions}), {@code Host}, and the
     * forwarding headers it extends.
     */
    private static int replaced(String name) {
        if (isHopByHop(name)) {
            return HOP_BY_HOP;
        }
        if (name.length() == 4 && name.equalsIgnoreCase("Host")) {
            return HOST;
        }
        if (!isForwarding(name)) {
            return KEPT;
        }
        if (name.indexOf('_') >= 0) {
            return LOOK_ALIKE; // X_Forwarded_For: no proxy sends it, and a CGI-style server would read it as the real one
        }
        return switch (name.length()) {
            case 9 -> FORWARDED;
            case 15 -> name.regionMatches(true, 12, "For", 0, 3) ? FORWARDED_FOR : KEPT;
            case 17 -> name.regionMatches(true, 12, "Proto", 0, 5) ? FORWARDED_PROTO : KEPT;
            case 16 -> name.regionMatches(true, 12, "Host", 0, 4) ? FORWARDED_HOST
                    : name.regionMatches(true, 12, "Port", 0, 4) ? FORWARDED_PORT : KEPT;
            default -> KEPT;
        };
    }

    private static boolean isForwarding(String name) {
        char first = lowerFirst(name);
        return first == 'x' ? matches(name, 0, "x-forwarded-")
                : first == 'f' && name.equalsIgnoreCase("Forwarded");
    }

    /** Returns the first character of a name, lower-cased if it is an ASCII letter: a cheap test before comparing. */
    private static char lowerFirst(String name) {
        return name.isEmpty() ? 0 : (char) (name.charAt(0) | 0x20);
    }

    private static boolean isConnection(String name) {
        return name.length() == 10 && name.equalsIgnoreCase("Connection");
    }

    /** Returns the names that {@code Connection} headers list, lower-cased; usually empty. */
    private static List<String> connectionOptions(Headers headers) {
        List<String> names = null;
        for (int i = 0; i < headers.size(); i++) {
            if (isConnection(headers.name(i))) {
                for (String token : headers.value(i).split(",")) {
                    String t = token.trim().toLowerCase(Locale.ROOT);
                    if (!t.isEmpty() && !t.equals("close") && !t.equals("keep-alive")) {
                        if (names == null) {
                            names = new ArrayList<>(2);
                        }
                        names.add(t);
                    }
                }
            }
        }
        return names == null ? List.of() : names;
    }

    private static boolean listed(List<String> options, String name) {
        for (int i = 0; i < options.size(); i++) {
            if (sameName(options.get(i), name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Returns the request to send upstream: hop-by-hop headers removed, the client's {@code Host} (as received,
     * before any filter changed it) reported in the forwarding headers, which extend what a trusted proxy or a filter
     * already set, and the upstream's authority as {@code Host} unless {@code preserveHost}. The port reported is the
     * one a trusted proxy or a filter set, else that of a trusted proxy's {@code Host}, else the gateway's own
     * ({@code local}; the scheme's default when it is {@code null}): a direct client's {@code Host} is not believed.
     * {@code more}, when not {@code null}, edits the headers last (a trace context's), in the same copy.
     */
    public static Request forRequest(Request request, Endpoint endpoint, InetSocketAddress peer, InetSocketAddress local,
                                     boolean trustedPeer, boolean preserveHost, String clientHost,
                                     Consumer<Headers.Builder> more) {
        Headers in = request.headers();
        String host = null;
        String priorFor = null;
        String priorProto = null;
        String priorHost = null;
        String priorPort = null;
        String priorForwarded = null;
        for (int i = 0; i < in.size(); i++) {
            String name = in.name(i);
            String value = in.value(i);
            switch (replaced(name)) {
                case HOST -> host = host == null ? value : host;
                case FORWARDED -> priorForwarded = priorForwarded == null ? value : priorForwarded + ", " + value;
                case FORWARDED_FOR -> priorFor = priorFor == null ? value : priorFor + ", " + value;
                case FORWARDED_PROTO -> priorProto = value;
                case FORWARDED_HOST -> priorHost = value;
                case FORWARDED_PORT -> priorPort = value;
                default -> { }
            }
        }
        // the fields kept were checked when they were added: removing the others leaves them as they are
        Headers.Builder out = in.toBuilder().removeIf(name -> replaced(name) != KEPT);
        out.add("Host", preserveHost && host != null ? host : endpoint.authority());
        String ip = peer == null || peer.getAddress() == null ? "unknown" : peer.getAddress().getHostAddress();
        String scheme = request.scheme();
        out.add("X-Forwarded-For", priorFor == null ? ip : priorFor + ", " + ip);
        out.add("X-Forwarded-Proto", priorProto != null ? priorProto : scheme);
        if (priorHost != null || clientHost != null) {
            out.add("X-Forwarded-Host", priorHost != null ? priorHost : clientHost);
        }
        out.add("X-Forwarded-Port", priorPort != null ? priorPort
                : trustedPeer ? portOf(clientHost, scheme)
                : local != null ? Integer.toString(local.getPort()) : defaultPort(scheme));
        String forwarded = "for=" + forwardedNode(ip) + ";proto=" + scheme
                + (clientHost == null ? "" : ";host=" + quoted(clientHost));
        out.add("Forwarded", priorForwarded == null ? forwarded : priorForwarded + ", " + forwarded);
        if (more != null) {
            more.accept(out);
        }
        return request.toBuilder().headers(out.build()).build();
    }

    /**
     * Returns the request without the forwarding headers ({@code X-Forwarded-*}, {@code Forwarded}) and the
     * {@code clientIpHeaders} (such as {@code X-Real-IP}) a client sent, also spelt with {@code _} for {@code -},
     * unless its peer is a trusted proxy; the same instance when there is nothing to remove.
     */
    public static Request stripUntrusted(Request request, InetSocketAddress peer, TrustedProxies trusted,
                                         Names clientIpHeaders) {
        if (trusted.trusts(peer)) {
            return request;
        }
        Headers in = request.headers();
        Headers out = without(in, name -> isForwarding(name) || clientIpHeaders.contains(name));
        return out == in ? request : request.toBuilder().headers(out).build();
    }

    /**
     * Returns the request without the identity headers the gateway itself sets (such as {@code X-User-Id}), in any
     * case, any count and with {@code _} for {@code -}, whoever the peer is; the same instance when there is none.
     */
    public static Request stripIdentity(Request request, Names identityHeaders) {
        if (identityHeaders.isEmpty()) {
            return request;
        }
        Headers in = request.headers();
        Headers out = without(in, identityHeaders::contains);
        return out == in ? request : request.toBuilder().headers(out).build();
    }

    /**
     * Returns the request without the client's {@code Connection} header and the fields it names (RFC 9110 7.6.1),
     * removed at the edge so that a client cannot name a field that a filter adds later; {@code Host} and the
     * forwarding headers, which the gateway rewrites itself, stay. The same instance when there is no
     * {@code Connection} header.
     */
    public static Request stripConnectionOptions(Request request) {
        Headers in = request.headers();
        List<String> options = connectionOptions(in);
        Headers out = options.isEmpty() ? without(in, ProxyHeaders::isConnection)
                : without(in, name -> isConnection(name)
                        || (listed(options, name) && !name.equalsIgnoreCase("Host") && !isForwarding(name)));
        return out == in ? request : request.toBuilder().headers(out).build();
    }

    /** Returns the response without hop-by-hop headers (the same instance when it has none). */
    public static Response forResponse(Response response) {
        Headers in = response.headers();
        List<String> options = connectionOptions(in);
        Headers out = options.isEmpty() ? without(in, ProxyHeaders::isHopByHop)
                : without(in, name -> isHopByHop(name) || listed(options, name));
        return out == in ? response : response.toBuilder().headers(out).build();
    }

    /** Returns the headers without the fields whose names {@code drop} accepts; the same instance when none are. */
    private static Headers without(Headers in, Predicate<String> drop) {
        for (int i = 0; i < in.size(); i++) {
            if (drop.test(in.name(i))) {
                return in.toBuilder().removeIf(drop).build();
            }
        }
        return in;
    }

    /**
     * Returns the client address: the peer, unless it is a trusted proxy; then the rightmost address in
     * {@code X-Forwarded-For} that is not a trusted proxy itself.
     */
    public static InetSocketAddress clientAddress(Request request, InetSocketAddress peer, TrustedProxies trusted) {
        if (request == null || !trusted.trusts(peer)) {
            return peer;
        }
        List<String> hops = new ArrayList<>();
        for (String value : request.headers().getAll("X-Forwarded-For")) {
            for (String hop : value.split(",")) {
                hops.add(hop.trim());
            }
        }
        InetSocketAddress client = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            byte[] address = TrustedProxies.literal(stripBrackets(hops.get(i)));
            if (address == null) {
                return client; // not an address: believe nothing further left
            }
            try {
                client = new InetSocketAddress(InetAddress.getByAddress(address), 0);
            } catch (UnknownHostException e) {
                return client;
            }
            if (!trusted.trusts(address)) {
                return client;
            }
        }
        return client;
    }

    private static String stripBrackets(String hop) {
        return hop.startsWith("[") && hop.endsWith("]") ? hop.substring(1, hop.length() - 1) : hop;
    }

    private static String portOf(String host, String scheme) {
        if (host != null) {
            int i = host.length() - 1;
            while (i >= 0 && host.charAt(i) >= '0' && host.charAt(i) <= '9') {
                i--;
            }
            if (i >= 0 && i < host.length() - 1 && host.charAt(i) == ':') {
                return host.substring(i + 1);
            }
        }
        return defaultPort(scheme);
    }

    private static String defaultPort(String scheme) {
        return scheme.equals("https") ? "443" : "80";
    }

    private static String forwardedNode(String ip) {
        return ip.indexOf(':') >= 0 ? "\"[" + ip + "]\"" : ip;
    }

    /** Returns a value as an RFC 7239 token when it is one, else as a quoted string ({@code ""} when empty). */
    private static String quoted(String value) {
        if (value.isEmpty()) {
            return "\"\"";
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '.' || c == '-')) {
                return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
            }
        }
        return value;
    }
}
