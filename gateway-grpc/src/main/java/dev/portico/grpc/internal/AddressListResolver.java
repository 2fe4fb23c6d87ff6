package dev.portico.grpc.internal;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.StatusOr;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.StringJoiner;

/**
 * The name resolver of a fixed list of IP addresses, written as the target
 * {@code portico-addresses:///10.0.0.1:9090,10.0.0.2:9090}: grpc-java's load balancing spreads the calls over them.
 */
public final class AddressListResolver extends NameResolverProvider {

    /** The scheme of the targets this resolves. */
    public static final String SCHEME = "portico-addresses";

    static {
        NameResolverRegistry.getDefaultRegistry().register(new AddressListResolver());
    }

    private AddressListResolver() {
    }

    /**
     * Returns the target of these addresses, resolving any that is unresolved now (on the calling thread, not later
     * on an IO thread).
     *
     * @throws IllegalArgumentException for an address whose name does not resolve
     */
    public static String target(List<InetSocketAddress> addresses) {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("addresses: none (expected: at least one)");
        }
        StringJoiner list = new StringJoiner(",", SCHEME + ":///", "");
        for (InetSocketAddress address : addresses) {
            InetAddress ip = address.getAddress();
            if (ip == null) {
                try {
                    ip = InetAddress.getByName(address.getHostString());
                } catch (UnknownHostException e) {
                    throw new IllegalArgumentException("addresses: " + address.getHostString() + " does not resolve", e);
                }
            }
            String literal = ip.getHostAddress();
            list.add((literal.indexOf(':') >= 0 ? '[' + literal + ']' : literal) + ':' + address.getPort());
        }
        return list.toString();
    }

    @Override
    protected boolean isAvailable() {
        return true;
    }

    @Override
    protected int priority() {
        return 5;
    }

    @Override
    public String getDefaultScheme() {
        return SCHEME;
    }

    @Override
    public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
        return List.of(InetSocketAddress.class);
    }

    @Override
    public NameResolver newNameResolver(URI target, NameResolver.Args args) {
        if (!SCHEME.equals(target.getScheme()) || target.getPath() == null || target.getPath().length() < 2) {
            return null;
        }
        List<EquivalentAddressGroup> groups = new ArrayList<>();
        for (String address : target.getPath().substring(1).split(",")) {
            groups.add(new EquivalentAddressGroup(parse(address)));
        }
        List<EquivalentAddressGroup> resolved = List.copyOf(groups);
        return new NameResolver() {
            @Override
            public String getServiceAuthority() {
                return "portico-addresses";
            }

            @Override
            public void start(Listener2 listener) {
                listener.onResult2(ResolutionResult.newBuilder()
                        .setAddressesOrError(StatusOr.fromValue(resolved)).build());
            }

            @Override
            public void shutdown() {
            }
        };
    }

    private static InetSocketAddress parse(String address) {
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(address.substring(colon + 1)));
        } catch (UnknownHostException e) { // an IP literal, so never
            throw new IllegalArgumentException("address: " + address, e);
        }
    }
}
