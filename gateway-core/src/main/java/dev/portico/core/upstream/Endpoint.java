package dev.portico.core.upstream;

import java.net.URI;
import java.util.Objects;

/**
 * One immutable instance of an upstream: scheme, host, port and an optional base path prefixed to every path, which
 * together are its identity, and a weight (1 unless set) that weighted balancers honour and equality ignores.
 */
public final class Endpoint {

    /** The largest weight. */
    public static final int MAX_WEIGHT = 10_000;

    private final String scheme;
    private final String host;
    private final int port;
    private final String basePath;
    private final String authority;
    private final int weight;
    private final int hash;

    /**
     * Creates an endpoint.
     *
     * @param scheme   {@code http}, or {@code https} (the Undertow transport verifies the instance's certificate and
     *                 host name, see {@code PorticoServer.Builder.upstreamTls})
     * @param host     a host name or IP literal (IPv6 without brackets)
     * @param port     the TCP port
     * @param basePath a raw path prefix without a trailing slash, or the empty string
     */
    public Endpoint(String scheme, String host, int port, String basePath) {
        this(scheme, host, port, basePath, 1);
    }

    /**
     * Creates an endpoint with a weight.
     *
     * @param weight the instance's share relative to the others', 1 to {@value #MAX_WEIGHT}
     */
    public Endpoint(String scheme, String host, int port, String basePath, int weight) {
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(basePath, "basePath");
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("scheme: " + scheme + " (expected: http or https)");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1-65535)");
        }
        if (!basePath.isEmpty() && (basePath.charAt(0) != '/' || basePath.endsWith("/"))) {
            throw new IllegalArgumentException("basePath: " + basePath + " (expected: empty, or /path without a trailing slash)");
        }
        if (weight < 1 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: 1-" + MAX_WEIGHT + ")");
        }
        this.scheme = scheme;
        this.weight = weight;
        this.host = host;
        this.port = port;
        this.basePath = basePath;
        String h = host.indexOf(':') >= 0 ? '[' + host + ']' : host;
        this.authority = port == (scheme.equals("https") ? 443 : 80) ? h : h + ':' + port;
        this.hash = Objects.hash(scheme, host, port, basePath);
    }

    /** Returns the endpoint a URL such as {@code http://10.0.0.7:8080/base} names. */
    public static Endpoint of(URI url) {
        if (url.getHost() == null || url.getRawQuery() != null || url.getRawFragment() != null || url.getRawUserInfo() != null) {
            throw new IllegalArgumentException("url: " + url + " (expected: http[s]://host[:port][/base-path])");
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(java.util.Locale.ROOT);
        String host = url.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        String path = url.getRawPath() == null ? "" : url.getRawPath();
        if (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        int port = url.getPort() != -1 ? url.getPort() : scheme.equals("https") ? 443 : 80;
        return new Endpoint(scheme, host, port, path);
    }

    /** Returns the same instance with this weight. */
    public Endpoint withWeight(int weight) {
        return weight == this.weight ? this : new Endpoint(scheme, host, port, basePath, weight);
    }

    /** Returns the weight: the instance's share of calls relative to the other instances' under a weighted policy. */
    public int weight() {
        return weight;
    }

    /** Returns {@code host:port} as a Host header names it, with brackets around an IPv6 literal. */
    public String authority() {
        return authority;
    }

    /** Returns the scheme, {@code http} or {@code https}. */
    public String scheme() {
        return scheme;
    }

    /** Returns the host name or IP literal (IPv6 without brackets). */
    public String host() {
        return host;
    }

    /** Returns the TCP port. */
    public int port() {
        return port;
    }

    /** Returns the raw base path without a trailing slash, or the empty string. */
    public String basePath() {
        return basePath;
    }

    @Override
    public boolean equals(Object other) {
        return other == this || other instanceof Endpoint that && hash == that.hash && port == that.port && scheme.equals(that.scheme)
                && host.equals(that.host) && basePath.equals(that.basePath);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return weight == 1 ? scheme + "://" + authority() + basePath : scheme + "://" + authority() + basePath + " weight " + weight;
    }
}
