package dev.portico.core.internal.http;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/** The peers whose forwarding headers the gateway believes, as IP addresses and CIDR blocks. */
public final class TrustedProxies {

    private record Block(byte[] network, int prefix) {
        boolean contains(byte[] address) {
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

    private final Block[] blocks;

    public TrustedProxies(List<String> entries) {
        List<Block> parsed = new ArrayList<>();
        for (String entry : entries) {
            parsed.add(parse(entry));
        }
        this.blocks = parsed.toArray(new Block[0]);
    }

    /** Parses an IP literal or CIDR block, or throws {@link IllegalArgumentException}; never resolves a name. */
    public static Block parse(String entry) {
        int slash = entry.indexOf('/');
        String ip = slash < 0 ? entry : entry.substring(0, slash);
        byte[] network = literal(ip);
        if (network == null) {
            throw new IllegalArgumentException("trusted proxy: " + entry + " (expected: an IP address or CIDR block)");
        }
        int prefix = network.length * 8;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(entry.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > network.length * 8) {
                throw new IllegalArgumentException("trusted proxy: " + entry + " (expected: prefix 0-" + network.length * 8 + ")");
            }
        }
        return new Block(network, prefix);
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

    /** Returns whether no proxy is trusted. */
    public boolean isEmpty() {
        return blocks.length == 0;
    }

    /** Returns whether this peer is a trusted proxy. */
    public boolean trusts(InetSocketAddress peer) {
        return blocks.length > 0 && peer != null && peer.getAddress() != null && trusts(peer.getAddress().getAddress());
    }

    /** Returns whether this address is in a trusted block. */
    public boolean trusts(byte[] address) {
        for (Block block : blocks) {
            if (block.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
