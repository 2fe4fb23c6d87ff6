package dev.portico.examples.guide;

import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.aggregate.Aggregator;
import dev.portico.core.aggregate.Combiner;
import dev.portico.core.aggregate.Part;
import dev.portico.core.aggregate.PartResult;
import dev.portico.core.aggregate.Shape;
import dev.portico.core.auth.JwtAuth;
import dev.portico.core.upstream.Upstream;

import java.time.Duration;

/** The code quoted in docs/aggregation.md, compiled so that it cannot rot; one static method per snippet. */
public final class AggregationExamples {

    private AggregationExamples() {
    }

    static Gateway dashboard(JwtAuth jwt, Upstream users, Upstream orders, Upstream products) {
        Aggregator dashboard = Aggregator.builder()
                .part("user", Part.get(users, "/users/{sub}"))                       // required: no user, no screen
                .part("orders", Part.get(orders, "/orders").query("userId", "{sub}").optional())
                .part("recommendations", Part.get(products, "/products/recommended")
                        .optional().timeout(Duration.ofMillis(300)))
                .build();
        return Gateway.builder()
                .route(Route.get("/api/dashboard").filter(jwt).timeout(Duration.ofSeconds(2)).handler(dashboard))
                .build();
    }

    static Part.Builder placeholders(Upstream orders) {
        return Part.get(orders, "/shops/{shop}/orders?status=open")     // {shop}: the route's capture
                .query("userId", "{sub}")                                 // the principal's subject
                .query("tenant", "{claim.tenant}")                        // one of its claims
                .query("page", "{query.page}")                            // the client's query (left out if absent)
                .header("Accept-Language", "{header.Accept-Language}");   // the client's header
    }

    static Aggregator dependent(Upstream users, Upstream teams, Upstream news) {
        return Aggregator.builder()
                .part("user", Part.get(users, "/users/{sub}"))
                .part("team", Part.get(teams, "/teams/{user.teamId}"))   // starts when user has answered
                .part("news", Part.get(news, "/news"))                  // runs alongside user
                .build();
    }

    static Aggregator fanOut(Upstream orders, Upstream products) {
        return Aggregator.builder()
                .part("orders", Part.get(orders, "/orders"))
                .part("products", Part.get(products, "/products/{each}")
                        .forEach("orders.productId", 20))               // one call per order, at most 20
                .build();
    }

    static Aggregator failures(Upstream users, Upstream ads, Upstream catalog) {
        return Aggregator.builder()
                .part("user", Part.get(users, "/users/{sub}"))                    // fails: 502, or 504 if late
                .part("ads", Part.get(ads, "/ads").optional())                   // fails: null, partial
                .part("wishlist", Part.get(catalog, "/wishlists/{sub}").notFoundIsNull())
                .deadline(Duration.ofMillis(800))                               // answer by then, whatever came
                .omitFailedParts()                                               // leave "ads" out, not null
                .build();
    }

    static Aggregator headers(Upstream users) {
        return Aggregator.builder()
                .part("user", Part.get(users, "/users/{sub}"))
                .forwardHeaders("Authorization", "traceparent", "Accept-Language") // instead of the default list
                .forwardIdentityHeaders(true)                                       // X-User-Id from JwtAuth
                .build();
    }

    static Aggregator shaping(Upstream users, Upstream orders, Upstream products) {
        return Aggregator.builder()
                .part("user", Part.get(users, "/users/{sub}").atRoot().shape(Shape.builder()
                        .unwrap("data")                                  // {"data": {...}} -> {...}
                        .deny("password", "address.geo")                 // nested paths
                        .rename("name", "displayName")
                        .build()))
                .part("orders", Part.get(orders, "/orders").under("recentOrders").shape(Shape.builder()
                        .map(Shape.builder().allow("id", "total", "items.sku").rename("total", "amount").build())
                        .build()))
                .part("topProduct", Part.get(products, "/products").shape(Shape.builder()
                        .element(0).allow("id", "name")
                        .build()))
                .build();
    }

    static Aggregator combiner(Upstream orders, Upstream ads) {
        Combiner summary = parts -> {
            JsonObject body = new JsonObject();
            PartResult orderList = parts.get("orders");
            body.addProperty("orderCount", orderList.value().getAsJsonArray().size());
            body.add("banner", parts.get("ads").isOk() ? parts.get("ads").value() : new JsonPrimitive("none"));
            return body;
        };
        return Aggregator.builder()
                .part("orders", Part.get(orders, "/orders"))
                .part("ads", Part.get(ads, "/ads/banner").optional())
                .combiner(summary)
                .build();
    }
}
