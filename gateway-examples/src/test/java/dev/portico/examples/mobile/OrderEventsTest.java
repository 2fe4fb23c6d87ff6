package dev.portico.examples.mobile;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.undertow.PorticoServer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * EXAMPLE.md's "Events": {@code GET /api/orders/events} streams each order the caller creates as an
 * {@code order-created} event as soon as it is placed, never another user's, with keep-alive comments.
 */
class OrderEventsTest {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static DemoConfig config() {
        return new DemoConfig(0, Duration.ZERO, Duration.ofSeconds(2), null);
    }

    /** An open event stream, read line by line on its own thread. */
    private static final class Events implements AutoCloseable {
        final HttpResponse<Stream<String>> response;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final Thread reader;

        Events(int port, String path, String... headers) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
            for (int i = 0; i < headers.length; i += 2) {
                request.header(headers[i], headers[i + 1]);
            }
            response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofLines());
            reader = new Thread(() -> {
                try {
                    response.body().forEach(lines::add);
                } catch (RuntimeException closed) {
                    // the test closed the stream
                }
            });
            reader.setDaemon(true);
            reader.start();
        }

        String next() throws InterruptedException {
            String line = lines.poll(5, TimeUnit.SECONDS);
            assertThat(line).as("a line within 5 s").isNotNull();
            return line;
        }

        /** Returns the data of the next event, after checking its name; comments and blank lines are skipped. */
        JsonObject nextEvent(String name) throws InterruptedException {
            String line = next();
            while (line.isEmpty() || line.startsWith(":")) {
                line = next();
            }
            assertThat(line).isEqualTo("event: " + name);
            String data = next();
            assertThat(data).startsWith("data: ");
            return JsonParser.parseString(data.substring(6)).getAsJsonObject();
        }

        @Override
        public void close() {
            response.body().close();
        }
    }

    @Test
    void streamsEachOrderTheCallerCreatesAsItIsPlacedAndNoOtherUsers() throws Exception {
        try (MobileDemo demo = MobileDemo.start(config());
             Events alice = new Events(demo.port(), "/api/orders/events", "Authorization", Http.bearer("alice"));
             Events bob = new Events(demo.port(), "/api/orders/events", "Authorization", Http.bearer("bob"))) {
            assertThat(alice.response.statusCode()).isEqualTo(200);
            assertThat(alice.response.headers().firstValue("Content-Type")).hasValue("text/event-stream");
            assertThat(alice.next()).startsWith(":"); // the watch is registered: nothing placed from now on is missed
            assertThat(bob.next()).startsWith(":");
            Http http = new Http(demo.port());

            HttpResponse<String> created = http.post("/api/orders", "{\"productId\":\"p2\",\"quantity\":3}",
                    "Authorization", Http.bearer("alice"));
            long answered = System.nanoTime();
            JsonObject event = alice.nextEvent("order-created");
            long arrived = System.nanoTime();

            assertThat(created.statusCode()).isEqualTo(201);
            assertThat(event).isEqualTo(JsonParser.parseString(created.body()));
            assertThat(event.get("userId").getAsString()).isEqualTo("alice");
            // the contract's bound is 100 ms; this only catches a stream that holds events back (a buffer, a batch)
            assertThat(Duration.ofNanos(arrived - answered)).isLessThan(Duration.ofSeconds(2));

            HttpResponse<String> bobs = http.post("/api/orders", "{\"productId\":\"p1\",\"quantity\":1}",
                    "Authorization", Http.bearer("bob"));
            JsonObject bobsEvent = bob.nextEvent("order-created"); // his own, first: alice's never came
            assertThat(bobsEvent).isEqualTo(JsonParser.parseString(bobs.body()));
            assertThat(alice.lines).allMatch(line -> line.isEmpty() || line.startsWith(":"));
        }
    }

    @Test
    void refusesAStreamWithoutAToken() throws Exception {
        try (MobileDemo demo = MobileDemo.start(config())) {
            HttpResponse<String> response = new Http(demo.port()).get("/api/orders/events");

            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(Http.error(response)).isEqualTo("unauthorized");
        }
    }

    @Test
    void aFailingOrderServiceGives502BeforeAnyStream() throws Exception {
        try (MobileDemo demo = MobileDemo.start(new DemoConfig(0, Duration.ZERO, Duration.ofSeconds(2), "order"))) {
            HttpResponse<String> response = new Http(demo.port()).get("/api/orders/events",
                    "Authorization", Http.bearer("alice"));

            assertThat(response.statusCode()).isEqualTo(502);
            assertThat(Http.error(response)).isEqualTo("bad_gateway");
        }
    }

    /** A HEAD's body is discarded as it subscribes: the stream ends before its keep-alive is scheduled. */
    @Test
    void headRequestsLeaveNoKeepAliveBehind() throws Exception {
        try (OrderServer orders = OrderServer.start(new OrderService(Catalog.demo(), OrderBook.demo(Catalog.demo())), config())) {
            OrderEvents events = new OrderEvents(orders.target(), Duration.ofSeconds(15), Duration.ofSeconds(2));
            PorticoServer gateway = PorticoServer.start(Gateway.builder().resource(events)
                    .route(Route.get("/events").handler(events)).build(), "127.0.0.1", 0);
            try {
                for (int i = 0; i < 20; i++) {
                    HttpResponse<Void> head = CLIENT.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + gateway.port() + "/events"))
                            .method("HEAD", HttpRequest.BodyPublishers.noBody()).header("X-User-Id", "dave").build(),
                            HttpResponse.BodyHandlers.discarding());
                    assertThat(head.statusCode()).isEqualTo(200);
                }
                for (int i = 0; i < 300 && gateway.inFlight() > 0; i++) {
                    Thread.sleep(10);
                }

                assertThat(events.keepAlives()).as("keep-alives of streams that ended").isZero();
            } finally {
                gateway.stop(Duration.ZERO);
            }
        }
    }

    @Test
    void keepsAnIdleStreamAliveWithCommentLinesUntilTheClientLeaves() throws Exception {
        try (OrderServer orders = OrderServer.start(new OrderService(Catalog.demo(), OrderBook.demo(Catalog.demo())), config())) {
            OrderEvents events = new OrderEvents(orders.target(), Duration.ofMillis(100), Duration.ofSeconds(2));
            PorticoServer gateway = PorticoServer.start(Gateway.builder().resource(events)
                    .route(Route.get("/events").handler(events)).build(), "127.0.0.1", 0);
            try {
                try (Events stream = new Events(gateway.port(), "/events", "X-User-Id", "carol")) {
                    List<String> lines = new ArrayList<>();
                    for (int i = 0; i < 6; i++) {
                        lines.add(stream.next());
                    }
                    assertThat(lines).containsExactly(": watching your orders", "", ": keep-alive", "", ": keep-alive", "");
                }
                for (int i = 0; i < 300 && gateway.inFlight() > 0; i++) {
                    Thread.sleep(10);
                }
                assertThat(gateway.inFlight()).as("the stream ended with its client").isZero();
            } finally {
                gateway.stop(Duration.ZERO);
            }
        }
    }
}
