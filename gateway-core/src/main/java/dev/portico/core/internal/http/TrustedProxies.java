package dev.portico.core.internal.http;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** The peers whose forwarding headers the gateway believes, as IP addresses and CIDR blocks. */
public final class TrustedProxies {

    private final Cidr[] blocks;

    public TrustedProxies(List<String> entries) {
        List<Cidr> parsed = new ArrayList<>();
        for (String entry : entries) {
            parsed.add(parse(entry));
        }
        this.blocks = parsed.toArray(new Cidr[0]);
    }

    /** Parses an IP literal or CIDR block, or throws {@link IllegalArgumentException}; never resolves a name. */
    public static Cidr parse(String entry) {
        return Cidr.parse(entry, "trusted proxy");
    }

    /** Returns the bytes of an IPv4 or IPv6 literal, or {@code null} when the text is not one. */
    public static byte[] literal(String ip) {
        return Cidr.literal(ip);
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
        for (Cidr block : blocks) {
            if (block.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
