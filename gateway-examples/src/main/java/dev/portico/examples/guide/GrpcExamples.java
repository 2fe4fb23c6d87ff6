package dev.portico.examples.guide;

import dev.portico.core.Gateway;
import dev.portico.core.Handler;
import dev.portico.core.Route;
import dev.portico.core.aggregate.Aggregator;
import dev.portico.core.aggregate.Part;
import dev.portico.core.auth.JwtAuth;
import dev.portico.core.observe.Telemetry;
import dev.portico.core.upstream.Upstream;
import dev.portico.examples.mobile.orders.OrdersProto;
import dev.portico.grpc.GrpcTranscoder;
import dev.portico.grpc.StreamFormat;

import java.nio.file.Path;
import java.time.Duration;

/** The code quoted in docs/grpc.md, compiled so that it cannot rot; one static method per snippet. */
public final class GrpcExamples {

    private GrpcExamples() {
    }

    static Gateway annotated(JwtAuth jwt, Telemetry telemetry) {
        GrpcTranscoder shop = GrpcTranscoder.builder("dns:///shop.internal:9090")   // every address, round robin
                .descriptorSet(Path.of("shop.pb"))      // protoc --descriptor_set_out=shop.pb --include_imports
                .forwardHeaders("X-User-Id")            // identity headers become metadata
                .responseHeaders("X-Trace-Id")          // and this metadata comes back as a header
                .telemetry(telemetry)                   // a client span per call, propagated to it
                .status("shop.v1.Shop/CreateItem", 201)
                .build();
        Gateway.Builder gateway = Gateway.builder().telemetry(telemetry).resource(shop);   // closed with the gateway
        shop.routes().forEach(route -> gateway.route(route.filter(jwt).timeout(Duration.ofSeconds(2))));
        return gateway.build();
    }

    static Gateway explicit(GrpcTranscoder shop, JwtAuth jwt) {
        return Gateway.builder()
                .route(Route.post("/v1/shelves/{shelf}/items").filter(jwt)
                        .handler(shop.method("shop.v1.Shop/CreateItem").body("item").status(201).build()))
                .route(Route.get("/v1/items/{item-id}")                     // {item-id} sets item.id
                        .handler(shop.method("shop.v1.Shop/GetItem").build()))
                .route(Route.get("/v1/items/{id}/tags")                     // the reply's tags field alone
                        .handler(shop.method("shop.v1.Shop/GetItem").responseBody("tags").build()))
                .build();
    }

    static GrpcTranscoder options(String target) {
        return GrpcTranscoder.builder(target)
                .descriptors(OrdersProto.getDescriptor())     // a generated class's descriptor works too
                .preserveProtoFieldNames()                    // display_name rather than displayName
                .includeDefaultValues()                       // 0, "", false, [] rather than nothing
                .ignoreUnknownFields()                        // rather than 400
                .ignoreUnknownQueryParameters()               // rather than 400
                .deadline(Duration.ofSeconds(5))              // on routes without a timeout
                .maxBodySize(64 * 1024)                       // on routes without a body bound
                .loadBalancing("pick_first")                  // rather than round_robin
                .build();
    }

    static Handler streaming(GrpcTranscoder shop) {
        return shop.method("shop.v1.Shop/ListItems")
                .streamFormat(StreamFormat.NDJSON, true)      // NDJSON, or SSE for a client that accepts it
                .build();
    }

    static Aggregator dashboard(Upstream users, GrpcTranscoder orders) {
        return Aggregator.builder()
                .part("user", Part.get(users, "/users/{sub}"))
                .part("orders", Part.handler(orders.method("portico.demo.orders.v1.Orders/ListOrders")
                        .responseBody("orders").build(), "/orders").optional())
                .build();
    }
}
