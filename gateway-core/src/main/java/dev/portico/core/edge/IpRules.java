package dev.portico.core.edge;

import dev.portico.core.Chain;
import dev.portico.core.Filter;
import dev.portico.core.GatewayException;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.internal.http.Cidr;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A filter that lets a request pass only when its client address is in no deny block and, when any allow block is
 * given, in one of those; the client is {@code context.clientAddress()}, resolved through trusted proxies only.
 *
 * <pre>{@code
 * Filter office = IpRules.builder().allow("10.0.0.0/8", "2001:db8::/32").deny("10.6.6.0/24").build();
 * }</pre>
 */
public final class IpRules implements Filter {

    private final Cidr[] allow;
    private final Cidr[] deny;

    private IpRules(Cidr[] allow, Cidr[] deny) {
        this.allow = allow;
        this.deny = deny;
    }

    /** Returns a new builder with no rules. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns whether a client at this address may pass: in no deny block, and in an allow block if any is set. */
    boolean permits(InetSocketAddress client) {
        if (client == null || client.getAddress() == null) {
            return false;
        }
        byte[] address = client.getAddress().getAddress();
        if (matches(deny, address)) {
            return false;
        }
        return allow.length == 0 || matches(allow, address);
    }

    @Override
    public CompletionStage<Response> filter(Request request, Chain chain) {
        if (!permits(chain.context().clientAddress())) {
            return CompletableFuture.completedFuture(
                    GatewayException.forbidden("your address may not use this service").toResponse());
        }
        return chain.proceed(request);
    }

    private static boolean matches(Cidr[] blocks, byte[] address) {
        for (Cidr block : blocks) {
            if (block.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** A builder of {@link IpRules}; entries are IP literals or CIDR blocks, IPv4 or IPv6, never host names. */
    public static final class Builder {

        private final List<String> allow = new ArrayList<>();
        private final List<String> deny = new ArrayList<>();

        private Builder() {
        }

        /** Allows clients in these blocks; once any is allowed, every other client is refused. */
        public Builder allow(String... addressesOrCidrs) {
            add(allow, addressesOrCidrs, "allow");
            return this;
        }

        /** Refuses clients in these blocks, even when an allow block also holds them. */
        public Builder deny(String... addressesOrCidrs) {
            add(deny, addressesOrCidrs, "deny");
            return this;
        }

        private static void add(List<String> into, String[] entries, String what) {
            Objects.requireNonNull(entries, what);
            for (String entry : entries) {
                into.add(Objects.requireNonNull(entry, what));
            }
        }

        /** Returns the filter; throws {@link IllegalArgumentException} for an entry that is not an IP or CIDR block. */
        public IpRules build() {
            if (allow.isEmpty() && deny.isEmpty()) {
                throw new IllegalArgumentException("rules: none (expected: at least one allow or deny entry)");
            }
            return new IpRules(parse(allow, "allow"), parse(deny, "deny"));
        }

        private static Cidr[] parse(List<String> entries, String what) {
            Cidr[] blocks = new Cidr[entries.size()];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = Cidr.parse(entries.get(i), what);
            }
            return blocks;
        }
    }
}
