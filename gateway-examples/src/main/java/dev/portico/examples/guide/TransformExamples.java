package dev.portico.examples.guide;

import com.google.gson.JsonPrimitive;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.filter.Filters;
import dev.portico.core.transform.JsonTransform;
import dev.portico.core.transform.StatusMapping;
import dev.portico.core.upstream.Upstream;
import dev.portico.core.version.ApiVersions;
import dev.portico.core.version.Deprecation;

import java.net.URI;
import java.time.Instant;

/** The code quoted in docs/aggregation.md (its transformation and versioning sections), compiled so that it cannot rot. */
public final class TransformExamples {

    private TransformExamples() {
    }

    static Gateway responseShape(Upstream orders) {
        JsonTransform mobileOrder = JsonTransform.response()
                .rename("items.sku", "productId")                   // in every element of items
                .remove("customer.internalNotes")                   // nested fields by dotted path
                .map("items.*.priceCents", cents -> new JsonPrimitive(cents.getAsLong() / 100.0))
                .set("meta.schema", "mobile-order/1")               // adds the missing meta object
                .add("items.currency", "EUR")                       // only where absent
                .build();
        return Gateway.builder()
                .route(Route.get("/api/orders/{id}").filter(mobileOrder).to(orders))
                .build();
    }

    static Gateway requestShape(Upstream orders) {
        JsonTransform legacyInput = JsonTransform.request()
                .rename("lines.productId", "sku")
                .add("lines.quantity", 1)
                .maxBytes(64 * 1024)                                // 413 above; the default is 1 MiB
                .build();
        return Gateway.builder()
                .route(Route.post("/api/orders").filter(legacyInput).to(orders))
                .build();
    }

    static Gateway statusMapping(Upstream accounts) {
        return Gateway.builder()
                .route(Route.post("/api/signup")
                        .filter(StatusMapping.builder().map(201, 200).map(409, 422).build())
                        .to(accounts))
                .build();
    }

    static Gateway versions(Upstream productsV1, Upstream products) {
        ApiVersions versions = ApiVersions.builder()
                .path("/api")                                       // /api/v1/products/7
                .header("API-Version")                              // API-Version: 1
                .mediaType("application/vnd.example")               // Accept: application/vnd.example.v1+json
                .deprecated("1", Deprecation.builder(Instant.parse("2025-01-01T00:00:00Z"))
                        .sunset(Instant.parse("2026-01-01T00:00:00Z"))
                        .link(URI.create("https://developer.example.com/deprecation/v1"))
                        .build())
                .versions("2")
                .defaultVersion("2")
                .build();
        return Gateway.builder()
                .edgeFilter(versions)                               // resolves once; 400 for an unknown version
                .route(Route.get("/api/v1/products/{id}").id("products-v1-path")
                        .filter(Filters.rewritePath("/products/{id}")).to(productsV1))
                .route(Route.get("/api/products/{id}").id("products-v1").matching(versions.is("1"))
                        .filter(Filters.stripPrefix(1)).to(productsV1))
                .route(Route.get("/api/products/{id}").id("products")
                        .filter(Filters.stripPrefix(1)).to(products))
                .build();
    }

    static Gateway legacyRoute(Upstream products) {
        return Gateway.builder()
                .route(Route.get("/api/v1/products/{id}")
                        .filter(Deprecation.builder(Instant.parse("2025-01-01T00:00:00Z")).build())
                        .filter(JsonTransform.response().rename("name", "title").build())
                        .filter(Filters.rewritePath("/products/{id}"))
                        .to(products))
                .build();
    }
}
