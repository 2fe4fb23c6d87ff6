package dev.portico.core.internal;

import dev.portico.core.AttributeKey;
import dev.portico.core.Context;
import dev.portico.core.Filter;
import dev.portico.core.Gateway;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Route;
import dev.portico.core.Upstream;
import dev.portico.core.spi.CallOptions;
import dev.portico.core.spi.Endpoint;
import dev.portico.core.spi.UpstreamClient;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** One request's context and the pipeline that runs its filters and target. */
public final class Exchange implements Context {

    private final Gateway gateway;
    private final TrustedProxies trustedProxies;
    private final Route route;
    private final Map<String, String> params;
    private final InetSocketAddress peer;
    private final InetSocketAddress local;
    private final UpstreamClient client;
    private final long deadline;
    private volatile InetSocketAddress clientAddress;
    private volatile Request original;
    private volatile Map<AttributeKey<?>, Object> attributes;

    public Exchange(Gateway gateway, TrustedProxies trustedProxies, Route route, Map<String, String> params,
                    InetSocketAddress peer, InetSocketAddress local, UpstreamClient client) {
        this.gateway = gateway;
        this.trustedProxies = trustedProxies;
        this.route = route;
        this.params = params;
        this.peer = peer;
        this.local = local;
        this.client = client;
        this.deadline = System.nanoTime() + timeout().toNanos();
    }

    /** Runs the pipeline: these filters, outermost first, then the route's target. */
    public CompletionStage<Response> start(Filter[] filters, Request request) {
        this.original = request;
        return new Link(filters, 0).proceed(request);
    }

    private final class Link implements dev.portico.core.Chain {
        private final Filter[] filters;
        private final int index;

        Link(Filter[] filters, int index) {
            this.filters = filters;
            this.index = index;
        }

        @Override
        public Context context() {
            return Exchange.this;
        }

        @Override
        public CompletionStage<Response> proceed(Request request) {
            try {
                CompletionStage<Response> stage = index < filters.length
                        ? filters[index].filter(request, new Link(filters, index + 1))
                        : route.handler().handle(request, Exchange.this);
                if (stage == null) {
                    throw new IllegalStateException((index < filters.length ? filters[index] : route.handler())
                            + " returned null instead of a stage");
                }
                return stage;
            } catch (Throwable t) {
                return CompletableFuture.failedFuture(t);
            }
        }
    }

    @Override
    public Route route() {
        return route;
    }

    @Override
    public String pathParam(String name) {
        return params.get(name);
    }

    @Override
    public Map<String, String> pathParams() {
        return params;
    }

    @Override
    public InetSocketAddress peerAddress() {
        return peer;
    }

    @Override
    public InetSocketAddress clientAddress() {
        InetSocketAddress resolved = clientAddress;
        if (resolved == null) {
            resolved = ProxyHeaders.clientAddress(original, peer, trustedProxies);
            clientAddress = resolved;
        }
        return resolved;
    }

    @Override
    public Duration timeLeft() {
        return Duration.ofNanos(deadline - System.nanoTime());
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(AttributeKey<T> key) {
        Map<AttributeKey<?>, Object> map = attributes;
        return map == null ? null : (T) map.get(key);
    }

    @Override
    public <T> void put(AttributeKey<T> key, T value) {
        Map<AttributeKey<?>, Object> map = attributes;
        if (map == null) {
            synchronized (this) {
                map = attributes;
                if (map == null) {
                    attributes = map = new ConcurrentHashMap<>(4);
                }
            }
        }
        if (value == null) {
            map.remove(key);
        } else {
            map.put(key, key.type().cast(value));
        }
    }

    @Override
    public CompletionStage<Response> send(Upstream upstream, Request request) {
        Endpoint endpoint = upstream.next();
        Duration left = timeLeft();
        if (left.isNegative() || left.isZero()) {
            return CompletableFuture.failedFuture(dev.portico.core.GatewayException.gatewayTimeout(
                    "upstream " + upstream.name() + " did not answer in time"));
        }
        Request received = original != null ? original : request;
        Request outgoing = ProxyHeaders.forRequest(request, endpoint, peer, local, trustedProxies.trusts(peer),
                Boolean.TRUE.equals(get(ProxyHeaders.PRESERVE_HOST)), received.header("Host"));
        CallOptions options = new CallOptions(upstream.name(), connectTimeout(), left, gateway.maxBodySize(route));
        return client.send(endpoint, outgoing, options).thenApply(ProxyHeaders::forResponse);
    }

    private Duration connectTimeout() {
        return route.connectTimeout() != null ? route.connectTimeout() : gateway.connectTimeout();
    }

    private Duration timeout() {
        return route.timeout() != null ? route.timeout() : gateway.timeout();
    }
}
