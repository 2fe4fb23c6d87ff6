package dev.portico.examples.mobile;

import dev.portico.undertow.PorticoServer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The running mobile demo: the user, product and order services on ephemeral loopback ports and the gateway in
 * front of them on every interface, in cleartext (HTTP/1.1 and h2c) and, when configured, with TLS (HTTP/1.1 and h2
 * by ALPN); {@link #close()} stops all four.
 *
 * <pre>{@code
 * try (MobileDemo demo = MobileDemo.start(DemoConfig.defaults())) {
 *     System.out.println(demo.url() + "/api/products");
 * }
 * }</pre>
 */
public final class MobileDemo implements AutoCloseable {

    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);

    private final List<DemoServer> services;
    private final OrderServer orders;
    private final PorticoServer gateway;

    private MobileDemo(List<DemoServer> services, OrderServer orders, PorticoServer gateway) {
        this.services = services;
        this.orders = orders;
        this.gateway = gateway;
    }

    /** Starts the services and the gateway with these settings. */
    public static MobileDemo start(DemoConfig config) {
        List<DemoServer> services = new ArrayList<>(2);
        OrderServer orders = null;
        try {
            Catalog catalog = Catalog.demo();
            DemoServer users = start(services, "user", UserService.demo(), config);
            DemoServer products = start(services, "product", new ProductService(catalog), config);
            orders = OrderServer.start(new OrderService(catalog, OrderBook.demo(catalog)), config);
            MobileGateway.Services urls = new MobileGateway.Services(users.url(), products.url(), orders.target());
            PorticoServer.Builder builder = PorticoServer.builder(MobileGateway.build(config, urls))
                    .host("0.0.0.0")
                    .port(config.gatewayPort())
                    .drainTimeout(DRAIN_TIMEOUT);
            if (config.tls() != null) {
                builder.https(config.tls().port(), DemoCertificate.serverTls(config.tls()));
            }
            PorticoServer gateway = builder.start();
            return new MobileDemo(List.copyOf(services), orders, gateway);
        } catch (RuntimeException e) {
            services.forEach(DemoServer::close);
            if (orders != null) {
                orders.close();
            }
            throw e;
        }
    }

    private static DemoServer start(List<DemoServer> started, String name, ServiceHandler handler, DemoConfig config) {
        DemoServer server = DemoServer.start(name, handler, config);
        started.add(server);
        return server;
    }

    /** Returns the gateway's port. */
    public int port() {
        return gateway.port();
    }

    /** Returns the gateway's TLS port, or -1 when it has no TLS listener. */
    public int tlsPort() {
        return gateway.httpsPort();
    }

    /** Returns the gateway's URL on loopback, such as {@code http://localhost:8080}. */
    public String url() {
        return "http://localhost:" + port();
    }

    /** Stops the gateway, letting in-flight requests finish for a few seconds, then the services. */
    @Override
    public void close() {
        gateway.close();
        services.forEach(DemoServer::close);
        orders.close();
    }
}
