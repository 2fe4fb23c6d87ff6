package dev.portico.core.internal.http;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IPv4 or IPv6 address block, parsed from an IP literal or CIDR text without ever resolving a name. */
public final class Cidr {

    private final byte[] network;
    private final int prefix;

    private Cidr(byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
    }

    /**
     * Parses an IP literal or CIDR block, or throws {@link IllegalArgumentException} whose message starts with
     * {@code what}, as in {@code trusted proxy: 10.0.0.0/33 (expected: prefix 0-32)}.
     */
    public static Cidr parse(String entry, String what) {
        int slash = entry.indexOf('/');
        String ip = slash < 0 ? entry : entry.substring(0, slash);
        byte[] network = literal(ip);
        if (network == null) {
            throw new IllegalArgumentException(what + ": " + entry + " (expected: an IP address or CIDR block)");
        }
        int prefix = network.length * 8;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(entry.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > network.length * 8) {
                throw new IllegalArgumentException(what + ": " + entry + " (expected: prefix 0-" + network.length * 8 + ")");
            }
        }
        return new Cidr(network, prefix);
    }

    /** Returns the bytes of an IPv4 or IPv6 literal, or {@code null} when the text is not one. */
    public static byte[] literal(String ip) {
        if (ip.isEmpty()) {
            return null;
        }
        boolean v6 = ip.indexOf(':') >= 0;
        int dots = 0;
        for (int i = 0; i < ip.length(); i++) {
            char c = ip.charAt(i);
            dots += c == '.' ? 1 : 0;
            boolean ok = c == '.' || (c >= '0' && c <= '9') || (v6 && (c == ':' || Character.digit(c, 16) >= 0));
            if (!ok) {
                return null; // not a literal: refuse rather than resolve a host name
            }
        }
        if (!v6 && dots != 3) {
            return null; // "1.2" would be read as an address by some resolvers and as a name by others
        }
        try {
            return InetAddress.getByName(ip).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Returns whether this address (4 or 16 bytes) is in the block; an address of the other family never is. */
    public boolean contains(byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (address[full] & mask) == (network[full] & mask);
    }
}
