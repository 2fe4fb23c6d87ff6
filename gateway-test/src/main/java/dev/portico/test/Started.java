package dev.portico.test;

import dev.portico.core.Gateway;
import dev.portico.core.Headers;
import dev.portico.core.internal.CoreAccess;
import dev.portico.core.upstream.Endpoint;
import dev.portico.core.upstream.Upstream;
import dev.portico.undertow.PorticoServer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * The started mode: the gateway is served by a real {@code PorticoServer} on a loopback port, each of its upstreams
 * pointed at a {@link StubServer} of its own (one that records the call as missing when the test gave no stub), and
 * requests go over HTTP/1.1 with the JDK's client.
 */
final class Started implements GatewayTester.Mode {

    /** Headers the JDK client sets itself and refuses from callers. */
    private static final Set<String> RESTRICTED = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);

    static {
        RESTRICTED.addAll(List.of("Host", "Content-Length", "Connection", "Expect", "Upgrade"));
    }

    private final Map<Upstream, List<Endpoint>> instances = new IdentityHashMap<>();
    private final List<StubServer> servers = new ArrayList<>();
    private final PorticoServer server;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    Started(Gateway gateway, Map<String, Stub> stubs, Recorder recorder) {
        try {
            for (Upstream upstream : gateway.upstreams()) {
                if (upstream.discovery() != null) {
                    throw new IllegalArgumentException("upstream " + upstream.name()
                            + " finds its instances by discovery, which would replace the stub server's address");
                }
                StubServer stub = new StubServer(upstream.name(), stubs.get(upstream.name()), recorder);
                servers.add(stub);
                instances.put(upstream, upstream.endpoints());
                CoreAccess.upstreams().instances(upstream, List.of(Endpoint.of(stub.url())));
            }
            this.server = PorticoServer.start(gateway, "127.0.0.1", 0);
        } catch (RuntimeException e) {
            servers.forEach(StubServer::close);
            restore();
            throw e;
        }
    }

    @Override
    public CompletableFuture<TestResponse> exchange(TestRequest sent) {
        if (sent.peer() != null) {
            throw new IllegalStateException("a started tester's peer is its real socket; from(ip) works in memory only");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(uri() + sent.target()))
                .method(sent.method(), sent.bodyBytes().length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(sent.bodyBytes()));
        sent.headers().forEach((name, value) -> {
            if (RESTRICTED.contains(name)) {
                throw new IllegalArgumentException("header " + name + " (expected: one the JDK client lets a caller set;"
                        + " test it in memory)");
            }
            request.header(name, value);
        });
        return client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray()).thenApply(response -> {
            Headers.Builder headers = Headers.builder();
            response.headers().map().forEach((name, values) -> {
                if (!name.startsWith(":")) {
                    values.forEach(value -> headers.add(name, value));
                }
            });
            return new TestResponse(response.statusCode(), headers.build(), response.body());
        });
    }

    @Override
    public void settle(CompletableFuture<TestResponse> response) {
    }

    @Override
    public String stalled() {
        return "";
    }

    @Override
    public TestClock clock() {
        throw new IllegalStateException("a started tester runs on the system's time: move time in memory (GatewayTester.of)");
    }

    @Override
    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            servers.forEach(StubServer::close);
            restore();
        }
    }

    /** Gives each upstream back the instances it had. */
    private void restore() {
        instances.forEach((upstream, endpoints) -> CoreAccess.upstreams().instances(upstream, endpoints));
        instances.clear();
    }
}
