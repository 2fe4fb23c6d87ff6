package dev.portico.undertow;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.WebSocket;
import dev.portico.core.auth.JwtAuth;
import dev.portico.core.upstream.Upstream;
import io.undertow.Handlers;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.CloseMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * WebSocket upgrades through a real gateway to a real Undertow WebSocket backend, with the JDK's WebSocket client:
 * messages both ways whole and fragmented, ping and pong, close codes from either side, the limits, the idle timeout,
 * auth on the handshake, a refused upgrade, and a stop that closes open WebSockets with 1001.
 */
class WebSocketProxyTest {

    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<Integer> closesSeenByBackend = new CopyOnWriteArrayList<>();
    private final List<String> handshakeUsers = new CopyOnWriteArrayList<>();
    private io.undertow.Undertow backend;
    private PorticoServer gateway;

    @BeforeEach
    void start() {
        backend = io.undertow.Undertow.builder().addHttpListener(0, "127.0.0.1").setHandler(Handlers.path()
                .addPrefixPath("/echo", Handlers.websocket((exchange, channel) -> {
                    handshakeUsers.add(String.valueOf(exchange.getRequestHeader("X-User-Id")));
                    channel.getReceiveSetter().set(new Echo());
                    channel.resumeReceives();
                }))
                .addPrefixPath("/refuse", exchange -> {
                    exchange.setStatusCode(403);
                    exchange.getResponseSender().send("{\"reason\":\"not you\"}");
                }))
                .build();
        backend.start();
        Upstream app = Upstream.of("app", backendUrl());
        JwtAuth jwt = JwtAuth.builder().hs256(SECRET).claimHeader("sub", "X-User-Id").build();
        gateway = PorticoServer.start(Gateway.builder()
                .route(Route.get("/echo").webSocket(WebSocket.builder().allowOrigins("https://app.example.com").build())
                        .to(app))
                .route(Route.get("/refuse").webSocket().to(app))
                .route(Route.get("/secure/echo").webSocket().filter(jwt)
                        .filter(dev.portico.core.filter.Filters.rewritePath("/echo")).to(app))
                .route(Route.get("/small/echo").webSocket(WebSocket.builder().maxFrameSize(64 * 1024)
                                .maxMessageSize(64 * 1024).build())
                        .filter(dev.portico.core.filter.Filters.rewritePath("/echo")).to(app))
                .route(Route.get("/limited/echo").webSocket()
                        .filter(dev.portico.core.ratelimit.RateLimit.perClientIp(1, Duration.ofMinutes(1)))
                        .filter(dev.portico.core.filter.Filters.rewritePath("/echo")).to(app))
                .route(Route.get("/quiet/echo").webSocket(WebSocket.builder().idleTimeout(Duration.ofMillis(300)).build())
                        .filter(dev.portico.core.filter.Filters.rewritePath("/echo")).to(app))
                .build(), "127.0.0.1", 0);
    }

    private String backendUrl() {
        return "http://127.0.0.1:" + ((java.net.InetSocketAddress) backend.getListenerInfo().get(0).getAddress()).getPort();
    }

    /** Echoes every message whole; "close-me" makes it close with 4001, "big" answer 100 KiB. */
    private final class Echo extends AbstractReceiveListener {
        @Override
        protected void onFullTextMessage(WebSocketChannel channel, BufferedTextMessage message) {
            String text = message.getData(); // reading it consumes it
            if (text.equals("close-me")) {
                WebSockets.sendClose(4001, "server says bye", channel, null);
            } else if (text.equals("big")) {
                WebSockets.sendBinary(ByteBuffer.wrap(new byte[100 * 1024]), channel, null);
            } else {
                WebSockets.sendText(text, channel, null);
            }
        }

        @Override
        protected void onFullBinaryMessage(WebSocketChannel channel, BufferedBinaryMessage message) {
            WebSockets.sendBinary(message.getData().getResource(), channel, null);
        }

        @Override
        protected void onCloseMessage(CloseMessage message, WebSocketChannel channel) {
            closesSeenByBackend.add(message.getCode());
        }
    }

    @AfterEach
    void stop() {
        gateway.stop(Duration.ZERO);
        backend.stop();
    }

    /** A client that queues what it receives. */
    private static final class Recorder implements java.net.http.WebSocket.Listener {
        final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();
        private StringBuilder text = new StringBuilder();
        private java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(java.net.http.WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                received.add(text.toString());
                text = new StringBuilder();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(java.net.http.WebSocket ws, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            binary.writeBytes(bytes);
            if (last) {
                received.add(binary.toByteArray());
                binary = new java.io.ByteArrayOutputStream();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(java.net.http.WebSocket ws, ByteBuffer message) {
            received.add("pong:" + StandardCharsets.UTF_8.decode(message));
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(java.net.http.WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(java.net.http.WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
        }

        Object next() throws InterruptedException {
            Object message = received.poll(10, TimeUnit.SECONDS);
            assertThat(message).as("a message within 10 s").isNotNull();
            return message;
        }
    }

    private java.net.http.WebSocket open(String path, Recorder recorder, String... headers) {
        java.net.http.WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        for (int i = 0; i < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return builder.buildAsync(URI.create("ws://127.0.0.1:" + gateway.port() + path), recorder).join();
    }

    @Test
    void echoesTextAndLargeBinaryMessagesBothWays() throws Exception {
        Recorder recorder = new Recorder();
        java.net.http.WebSocket ws = open("/echo", recorder);
        ws.sendText("hello", true).join();
        assertThat(recorder.next()).isEqualTo("hello");

        byte[] large = new byte[900 * 1024];
        new java.util.Random(7).nextBytes(large);
        ws.sendBinary(ByteBuffer.wrap(large), true).join();
        assertThat((byte[]) recorder.next()).isEqualTo(large);
        ws.sendClose(1000, "done").join();
        assertThat(recorder.closed.get(10, TimeUnit.SECONDS)).startsWith("1000");
    }

    @Test
    void relaysAFragmentedMessageAndPingPong() throws Exception {
        Recorder recorder = new Recorder();
        java.net.http.WebSocket ws = open("/echo", recorder);
        ws.sendText("frag", false).join();
        ws.sendText("men", false).join();
        ws.sendText("ted", true).join();
        assertThat(recorder.next()).isEqualTo("fragmented");

        ws.sendPing(ByteBuffer.wrap("are you there".getBytes(StandardCharsets.UTF_8))).join();
        assertThat(recorder.next()).isEqualTo("pong:are you there");
    }

    @Test
    void passesTheClientsCloseCodeToTheUpstream() throws Exception {
        Recorder recorder = new Recorder();
        java.net.http.WebSocket ws = open("/echo", recorder);
        ws.sendText("warm up", true).join();
        assertThat(recorder.next()).isEqualTo("warm up");

        ws.sendClose(4000, "client says bye").join();

        assertThat(recorder.closed.get(10, TimeUnit.SECONDS)).startsWith("4000");
        assertThat(closesSeenByBackend).containsExactly(4000);
        awaitNoWebSocket();
    }

    @Test
    void passesTheUpstreamsCloseCodeToTheClient() throws Exception {
        Recorder recorder = new Recorder();
        java.net.http.WebSocket ws = open("/echo", recorder);
        ws.sendText("close-me", true).join();

        assertThat(recorder.closed.get(10, TimeUnit.SECONDS)).isEqualTo("4001 server says bye");
        awaitNoWebSocket();
    }

    @Test
    void closesAMessageOverTheLimitWith1009() throws Exception {
        Recorder recorder = new Recorder();
        java.net.http.WebSocket ws = open("/small/echo", recorder);
        ws.sendText("fits", true).join();
        assertThat(recorder.next()).isEqualTo("fits");

        ws.sendBinary(ByteBuffer.wrap(new byte[40 * 1024]), false).join(); // each fragment fits, the message does not
        ws.sendBinary(ByteBuffer.wrap(new byte[40 * 1024]), true);

        assertThat(recorder.closed.get(10, TimeUnit.SECONDS)).startsWith("1009");
        assertThat(recorder.received).isEmpty();
        awaitNoWebSocket();
    }

    @Test
    void closesAFrameOverTheLimitWith1009BeforeForwardingIt() throws Exception {
        Recorder recorder = new Recorder();
        java.net.http.WebSocket ws = open("/small/echo", recorder);

        ws.sendBinary(ByteBuffer.wrap(new byte[100 * 1024]), true);

        assertThat(recorder.closed.get(10, TimeUnit.SECONDS)).isEqualTo("1009 message too big");
        assertThat(recorder.received).isEmpty();
        awaitBackendCloses(1009);
        awaitNoWebSocket();
    }

    @Test
    void closesAnUpstreamsMessageOverTheLimitWith1009() throws Exception {
        Recorder recorder = new Recorder();
        java.net.http.WebSocket ws = open("/small/echo", recorder);

        ws.sendText("big", true).join();

        assertThat(recorder.closed.get(10, TimeUnit.SECONDS)).isEqualTo("1009 message too big");
        assertThat(recorder.received).isEmpty();
        awaitBackendCloses(1009);
        awaitNoWebSocket();
    }

    @Test
    void rateLimitsHandshakes() throws Exception {
        Recorder recorder = new Recorder();
        open("/limited/echo", recorder).sendText("first", true).join();
        assertThat(recorder.next()).isEqualTo("first");

        assertThatThrownBy(() -> open("/limited/echo", new Recorder()))
                .isInstanceOf(CompletionException.class)
                .cause().isInstanceOfSatisfying(WebSocketHandshakeException.class,
                        e -> assertThat(e.getResponse().statusCode()).isEqualTo(429));
    }

    @Test
    void anOpenWebSocketHoldsAConcurrencySlot() throws Exception {
        PorticoServer capped = PorticoServer.start(Gateway.builder().maxConcurrentRequests(1)
                .route(Route.get("/echo").webSocket().to(Upstream.of("app", backendUrl())))
                .build(), "127.0.0.1", 0);
        try {
            Recorder recorder = new Recorder();
            java.net.http.WebSocket ws = http.newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + capped.port() + "/echo"), recorder).join();
            ws.sendText("open", true).join();
            assertThat(recorder.next()).isEqualTo("open");

            assertThat(RawHttp.send(capped.port(), "GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status())
                    .isEqualTo(503);
            ws.sendClose(1000, "").join();
            recorder.closed.get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 500 && capped.inFlight() > 0; i++) {
                Thread.sleep(10);
            }
            assertThat(capped.inFlight()).isZero();
        } finally {
            capped.stop(Duration.ZERO);
        }
    }

    @Test
    void closesASilentWebSocketWith1001AfterItsIdleTimeout() throws Exception {
        Recorder recorder = new Recorder();
        java.net.http.WebSocket ws = open("/quiet/echo", recorder);
        ws.sendText("still here", true).join();
        assertThat(recorder.next()).isEqualTo("still here");

        assertThat(recorder.closed.get(10, TimeUnit.SECONDS)).isEqualTo("1001 idle timeout");
        awaitNoWebSocket();
    }

    @Test
    void runsTheRoutesFiltersOnTheHandshake() throws Exception {
        assertThatThrownBy(() -> open("/secure/echo", new Recorder()))
                .isInstanceOf(CompletionException.class)
                .cause().isInstanceOfSatisfying(WebSocketHandshakeException.class,
                        e -> assertThat(e.getResponse().statusCode()).isEqualTo(401));

        String token = JWT.create().withSubject("alice").withExpiresAt(Instant.now().plusSeconds(300))
                .sign(Algorithm.HMAC256(SECRET));
        Recorder recorder = new Recorder();
        java.net.http.WebSocket ws = open("/secure/echo", recorder, "Authorization", "Bearer " + token);
        ws.sendText("authenticated", true).join();
        assertThat(recorder.next()).isEqualTo("authenticated");
        assertThat(handshakeUsers).containsExactly("alice");
    }

    @Test
    void refusesAHandshakeFromAnOriginNotAllowedWith403() throws Exception {
        assertThatThrownBy(() -> open("/echo", new Recorder(), "Origin", "https://evil.example.com"))
                .isInstanceOf(CompletionException.class)
                .cause().isInstanceOfSatisfying(WebSocketHandshakeException.class,
                        e -> assertThat(e.getResponse().statusCode()).isEqualTo(403));
        assertThat(handshakeUsers).isEmpty();

        Recorder recorder = new Recorder();
        open("/echo", recorder, "Origin", "https://APP.example.com").sendText("allowed", true).join();
        assertThat(recorder.next()).isEqualTo("allowed");
    }

    @Test
    void refusesAHandshakeThatNamesTwoOriginsWith403() throws Exception {
        for (String origins : new String[] {"Origin: https://app.example.com\r\nOrigin: https://evil.example.com\r\n",
                "Origin: https://app.example.com\r\nOrigin: https://app.example.com\r\n"}) {
            try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(("GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        + "Sec-WebSocket-Version: 13\r\n" + origins + "\r\n").getBytes(StandardCharsets.US_ASCII));

                assertThat(readUntil(socket.getInputStream(), "}")).startsWith("HTTP/1.1 403");
            }
        }
        assertThat(handshakeUsers).isEmpty();
    }

    @Test
    void passesARefusedUpgradeThroughWithItsStatusAndBody() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /refuse HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String reply = readUntil(socket.getInputStream(), "}");
            assertThat(reply).startsWith("HTTP/1.1 403").endsWith("{\"reason\":\"not you\"}");
        }
    }

    @Test
    void countsAnOpenWebSocketAsARequestInFlight() throws Exception {
        Recorder recorder = new Recorder();
        java.net.http.WebSocket ws = open("/echo", recorder);
        ws.sendText("open", true).join();
        assertThat(recorder.next()).isEqualTo("open");

        assertThat(gateway.inFlight()).isEqualTo(1);
        ws.sendClose(1000, "").join();
        recorder.closed.get(10, TimeUnit.SECONDS);
        awaitNoWebSocket();
    }

    @Test
    void aStopClosesOpenWebSocketsWith1001AfterTheDrainTimeout() throws Exception {
        Recorder recorder = new Recorder();
        java.net.http.WebSocket ws = open("/echo", recorder);
        ws.sendText("open", true).join();
        assertThat(recorder.next()).isEqualTo("open");

        long started = System.nanoTime();
        CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(() -> gateway.stop(Duration.ofMillis(500)));
        assertThat(recorder.closed.get(10, TimeUnit.SECONDS)).isEqualTo("1001 the gateway is shutting down");
        assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
        assertThat(stopped.get(10, TimeUnit.SECONDS)).as("a stop that had to cut the WebSocket off").isFalse();
        awaitBackendCloses(1001);
    }

    /** Waits for the backend to have read these close codes: it reads them after the client was answered. */
    private void awaitBackendCloses(Integer... codes) throws InterruptedException {
        for (int i = 0; i < 500 && closesSeenByBackend.size() < codes.length; i++) {
            Thread.sleep(10);
        }
        assertThat(closesSeenByBackend).containsExactly(codes);
    }

    private void awaitNoWebSocket() throws InterruptedException {
        for (int i = 0; i < 500 && gateway.inFlight() > 0; i++) {
            Thread.sleep(10);
        }
        assertThat(gateway.inFlight()).as("requests in flight once the WebSocket closed").isZero();
    }

    private static String readUntil(InputStream in, String end) throws java.io.IOException {
        StringBuilder text = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (!text.toString().endsWith(end)) {
            int n = in.read(buffer);
            if (n < 0) {
                break;
            }
            text.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
        }
        return text.toString();
    }
}
