package dev.portico.core.spi;

import java.net.URI;
import java.util.Objects;

/**
 * One instance of an upstream: scheme, host, port and an optional base path that prefixes every forwarded path.
 *
 * @param scheme   {@code http}
 * @param host     a host name or IP literal (IPv6 without brackets)
 * @param port     the TCP port
 * @param basePath a raw path prefix without a trailing slash, or the empty string
 */
public record Endpoint(String scheme, String host, int port, String basePath) {

    public Endpoint {
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(basePath, "basePath");
        if (!scheme.equals("http")) {
            throw new IllegalArgumentException("scheme: " + scheme + " (expected: http)");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1-65535)");
        }
        if (!basePath.isEmpty() && (basePath.charAt(0) != '/' || basePath.endsWith("/"))) {
            throw new IllegalArgumentException("basePath: " + basePath + " (expected: empty, or /path without a trailing slash)");
        }
    }

    /** Returns the endpoint a URL such as {@code http://10.0.0.7:8080/base} names. */
    public static Endpoint of(URI url) {
        if (url.getHost() == null || url.getRawQuery() != null || url.getRawFragment() != null || url.getRawUserInfo() != null) {
            throw new IllegalArgumentException("url: " + url + " (expected: http://host[:port][/base-path])");
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
        return new Endpoint(scheme, host, url.getPort() == -1 ? 80 : url.getPort(), path);
    }

    /** Returns {@code host:port} as a Host header names it, with brackets around an IPv6 literal. */
    public String authority() {
        String h = host.indexOf(':') >= 0 ? '[' + host + ']' : host;
        return port == 80 ? h : h + ':' + port;
    }

    @Override
    public String toString() {
        return scheme + "://" + authority() + basePath;
    }
}
