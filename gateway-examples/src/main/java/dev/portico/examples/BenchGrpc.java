package dev.portico.examples;

import com.google.gson.JsonParser;
import com.google.protobuf.util.JsonFormat;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import dev.portico.examples.mobile.orders.ListOrdersRequest;
import dev.portico.examples.mobile.orders.ListOrdersResponse;
import dev.portico.examples.mobile.orders.Order;
import dev.portico.examples.mobile.orders.OrdersGrpc;
import dev.portico.examples.mobile.orders.OrdersProto;
import dev.portico.grpc.GrpcTranscoder;
import dev.portico.undertow.PorticoServer;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.undertow.Undertow;
import io.undertow.util.Headers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The transcoding benchmark: {@code backend} serves one list of orders both as REST/JSON (Undertow, port 19201) and
 * as the demo's gRPC {@code ListOrders} (grpc-java, port 19202); {@code gateway} serves {@code GET /rest/orders},
 * proxied to the former, and {@code GET /grpc/orders}, transcoded to the latter, on port 19204. Both answer the same
 * JSON bytes, so the difference is the transcoding's cost.
 */
public final class BenchGrpc {

    private static final int REST_PORT = 19201;
    private static final int GRPC_PORT = 19202;
    private static final int GATEWAY_PORT = 19204;

    private BenchGrpc() {
    }

    /** Runs {@code backend} or {@code gateway} until the process is killed. */
    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("backend")) {
            backend();
        } else if (args.length == 1 && args[0].equals("gateway")) {
            gateway();
        } else {
            System.err.println("usage: BenchGrpc backend|gateway");
            System.exit(2);
        }
        Thread.currentThread().join();
    }

    private static ListOrdersResponse orders() {
        ListOrdersResponse.Builder list = ListOrdersResponse.newBuilder();
        for (int i = 1; i <= 3; i++) {
            list.addOrders(Order.newBuilder().setId("o-100" + i).setUserId("alice").setProductId("p" + i)
                    .setQuantity(i).setTotalCents(1999 * i).setCreatedAt("2026-12-07T06:00:0" + i + "Z"));
        }
        return list.build();
    }

    private static void backend() throws IOException {
        ListOrdersResponse orders = orders();
        String json = JsonParser.parseString(JsonFormat.printer().omittingInsignificantWhitespace().print(orders))
                .getAsJsonObject().get("orders").toString();
        ByteBuffer body = ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8));
        Undertow.builder().addHttpListener(REST_PORT, "127.0.0.1").setHandler(exchange -> {
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
            exchange.getResponseSender().send(body.duplicate());
        }).build().start();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", GRPC_PORT),
                InsecureServerCredentials.create()).addService(new OrdersGrpc.OrdersImplBase() {
                    @Override
                    public void listOrders(ListOrdersRequest request, StreamObserver<ListOrdersResponse> replies) {
                        replies.onNext(orders);
                        replies.onCompleted();
                    }
                }).build().start();
        System.out.println("backend: REST on " + REST_PORT + ", gRPC on " + server.getPort());
    }

    private static void gateway() {
        GrpcTranscoder orders = GrpcTranscoder.builder("dns:///127.0.0.1:" + GRPC_PORT)
                .descriptors(OrdersProto.getDescriptor())
                .build();
        Gateway gateway = Gateway.builder().resource(orders)
                .route(Route.get("/rest/orders").to(Upstream.of("rest", "http://127.0.0.1:" + REST_PORT)))
                .route(Route.get("/grpc/orders").handler(orders.method("portico.demo.orders.v1.Orders/ListOrders")
                        .responseBody("orders").build()))
                .build();
        PorticoServer.start(gateway, "127.0.0.1", GATEWAY_PORT);
        System.out.println("gateway on " + GATEWAY_PORT);
    }
}
