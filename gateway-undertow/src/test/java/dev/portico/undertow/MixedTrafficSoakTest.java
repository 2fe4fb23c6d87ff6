package dev.portico.undertow;

import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.upstream.Upstream;
import dev.portico.undertow.HostileUpstream.Client.Head;
import dev.portico.undertow.HostileUpstream.Client.Reply;
import dev.portico.undertow.HostileUpstream.Client;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.portico.undertow.HostileUpstream.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thousands of good and hostile exchanges through one gateway at once, from eight client threads: every good request
 * gets its own response (never another's), every hostile one a 502/504 JSON error or a closed connection, and at
 * the end no request is in flight and no upstream connection is left open.
 */
class MixedTrafficSoakTest {

    private static final int EXCHANGES = Integer.getInteger("portico.soak.exchanges", 3_000);
    private static final int THREADS = 8;
    private static final Duration BUDGET = Duration.ofSeconds(25);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(3);
    /** Enough wrong answers to fail on: the clients stop early rather than spend the budget on a broken gateway. */
    private static final int ENOUGH = 40;

    /** What a client does, chosen per exchange; the upstream misbehaves by path. */
    private enum Kind {
        GOOD, STATUS_600, EARLY_HINTS, CL_AND_TE, HUGE_HEAD, UNSOLICITED_101, RESET_MID_BODY, CLOSE_BEFORE_ANSWER,
        PARTIAL_BODY_THEN_CLOSE, ABANDONED_UPLOAD, ABANDONED_DOWNLOAD;

        String path(int id) {
            return "/" + name().toLowerCase(Locale.ROOT) + "/" + id;
        }
    }

    private final Map<Integer, String> wrong = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Throwable> crashes = new ConcurrentLinkedQueue<>();
    private final AtomicInteger goodOk = new AtomicInteger();
    private final AtomicInteger mixUps = new AtomicInteger();
    private final AtomicInteger done = new AtomicInteger();

    @Test
    void goodRequestsGetTheirOwnResponsesAmidHostileUpstreamsAndClients() throws Exception {
        try (HostileUpstream upstream = HostileUpstream.start(MixedTrafficSoakTest::misbehave)) {
            Gateway settings = Gateway.builder()
                    .route(Route.any("/**").timeout(Duration.ofSeconds(2)).to(Upstream.of("mixed", upstream.url())))
                    .bodyIdleTimeout(Duration.ofMillis(500))
                    .idleConnectionTimeout(Duration.ofMillis(300))
                    .build();
            PorticoServer gateway = PorticoServer.builder(settings).port(0).drainTimeout(Duration.ofMillis(100)).start();
            try {
                AtomicInteger next = new AtomicInteger();
                long deadline = System.nanoTime() + BUDGET.toNanos();
                CountDownLatch finished = new CountDownLatch(THREADS);
                for (int t = 0; t < THREADS; t++) {
                    Thread thread = new Thread(() -> {
                        try {
                            run(gateway.port(), next, deadline);
                        } catch (Throwable e) {
                            crashes.add(e);
                        } finally {
                            finished.countDown();
                        }
                    }, "soak-client-" + t);
                    thread.setDaemon(true);
                    thread.start();
                }
                boolean inTime = finished.await(BUDGET.toMillis() + 10_000, TimeUnit.MILLISECONDS);

                assertThat(crashes).isEmpty();
                assertThat(mixUps.get()).as("responses that carried another request's body; all wrong answers by kind:%n%s",
                        summary()).isZero();
                assertThat(wrong.size()).as("exchanges that got a wrong answer (%d good ones answered right); by kind:%n%s",
                        goodOk.get(), summary()).isZero();
                assertThat(inTime).as("the client threads finished").isTrue();
                assertThat(done.get()).as("exchanges done within %s", BUDGET).isEqualTo(EXCHANGES);
                assertThat(goodOk.get()).as("good requests answered right").isGreaterThan(EXCHANGES / 2);
                assertThat(await(() -> gateway.inFlight() == 0, Duration.ofSeconds(5)))
                        .as("inFlight() back to 0, still %d", gateway.inFlight()).isTrue();
                assertThat(await(() -> upstream.open() == 0, Duration.ofSeconds(5)))
                        .as("no upstream connection left open after idleConnectionTimeout%n%s", openOnly(upstream)).isTrue();
                assertThat(upstream.scriptFailures()).isEmpty();
            } finally {
                gateway.close();
            }
        }
    }

    private void run(int port, AtomicInteger next, long deadline) throws IOException {
        Client keepAlive = null;
        try {
            for (int id = next.getAndIncrement(); id < EXCHANGES && System.nanoTime() - deadline < 0 && wrong.size() < ENOUGH;
                    id = next.getAndIncrement()) {
                Kind kind = choose(id);
                done.incrementAndGet();
                if (kind == Kind.GOOD) {
                    if (keepAlive == null) {
                        keepAlive = Client.connect(port, READ_TIMEOUT);
                    }
                    if (!good(keepAlive, id)) {
                        keepAlive.close();
                        keepAlive = null;
                    }
                } else {
                    hostile(port, kind, id);
                }
            }
        } finally {
            if (keepAlive != null) {
                keepAlive.close();
            }
        }
    }

    /** About 60% good requests; the rest spread over the misbehaviours. */
    private static Kind choose(int id) {
        SplittableRandom random = new SplittableRandom(id * 0x9E3779B97F4A7C15L);
        if (random.nextInt(100) < 60) {
            return Kind.GOOD;
        }
        Kind[] hostile = Kind.values();
        return hostile[1 + random.nextInt(hostile.length - 1)];
    }

    /** A good request on the thread's keep-alive connection; returns whether the connection can be used again. */
    private boolean good(Client client, int id) throws IOException {
        Reply reply;
        try {
            reply = client.send("GET " + Kind.GOOD.path(id) + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
        } catch (IOException | AssertionError e) {
            wrong.put(id, "good request failed: " + e);
            return false;
        }
        String expected = body(id);
        if (reply.status() == 200 && reply.complete() && expected.equals(reply.body())
                && String.valueOf(id).equals(reply.header("x-id"))) {
            goodOk.incrementAndGet();
            return !"close".equalsIgnoreCase(reply.header("connection"));
        }
        countMixUp(id, reply);
        wrong.put(id, "good request got " + reply);
        return false;
    }

    /** A hostile exchange on its own connection; records it when the answer is neither an error nor a cut-off. */
    private void hostile(int port, Kind kind, int id) throws IOException {
        try (Client client = Client.connect(port, READ_TIMEOUT)) {
            switch (kind) {
                case ABANDONED_UPLOAD -> {
                    client.socket().setSoLinger(id % 2 == 0, 0); // half of them reset (RST), half close (FIN)
                    client.send("POST " + kind.path(id) + " HTTP/1.1\r\nHost: x\r\nContent-Length: 65536\r\n\r\n");
                    client.send(new byte[1024]);
                }
                case ABANDONED_DOWNLOAD -> {
                    client.send("GET " + kind.path(id) + " HTTP/1.1\r\nHost: x\r\n\r\n");
                    Head head = client.head();
                    if (head != null && head.status() == 200) {
                        client.readNBytes(1024);
                    } else if (head != null) {
                        wrong.put(id, kind + " got " + head);
                    }
                }
                default -> check(kind, id, client.send("GET " + kind.path(id) + " HTTP/1.1\r\nHost: x\r\n\r\n").read());
            }
        } catch (AssertionError e) {
            wrong.put(id, kind + ": " + e.getMessage());
        } catch (IOException e) {
            if (kind != Kind.ABANDONED_UPLOAD && kind != Kind.ABANDONED_DOWNLOAD) {
                wrong.put(id, kind + ": " + e);
            }
        }
    }

    private void check(Kind kind, int id, Reply reply) {
        boolean error = (reply.status() == 502 || reply.status() == 504) && reply.complete()
                && reply.body().startsWith("{\"error\":\"" + (reply.status() == 502 ? "bad_gateway" : "gateway_timeout") + "\"");
        // a closed connection: before any head, or after a head whose body it cuts short (never a stall)
        boolean closed = reply.status() == -1 || (reply.status() == 200 && !reply.complete() && !reply.timedOut());
        boolean own = kind == Kind.EARLY_HINTS && reply.status() == 200 && reply.complete() && body(id).equals(reply.body())
                && String.valueOf(id).equals(reply.header("x-id"));
        if (!(error || closed || own)) {
            countMixUp(id, reply);
            wrong.put(id, kind + " got " + reply);
        }
    }

    /** Counts a response that carries another exchange's body or id: the worst outcome, a cross-client mix-up. */
    private void countMixUp(int id, Reply reply) {
        String xId = reply.header("x-id");
        if ((reply.body().startsWith("body-of-") && !reply.body().startsWith("body-of-" + id + "-"))
                || (xId != null && !xId.equals(String.valueOf(id)))) {
            mixUps.incrementAndGet();
        }
    }

    private static String body(int id) {
        return "body-of-" + id + "-" + "x".repeat(id % 1500);
    }

    private static int id(String path) {
        return Integer.parseInt(path.substring(path.lastIndexOf('/') + 1));
    }

    /** The upstream: echoes good requests' ids, misbehaves by path. */
    private static void misbehave(HostileUpstream.Exchange exchange) throws Exception {
        String path = exchange.path();
        Kind kind = Kind.valueOf(path.substring(1, path.indexOf('/', 1)).toUpperCase(Locale.ROOT));
        int id = id(path);
        String body = body(id);
        switch (kind) {
            case GOOD -> exchange.send("HTTP/1.1 200 OK\r\nX-Id: " + id + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            case STATUS_600 -> exchange.send("HTTP/1.1 600 X\r\nContent-Length: 0\r\n\r\n");
            case EARLY_HINTS -> exchange.send("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                    + "HTTP/1.1 200 OK\r\nX-Id: " + id + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            case CL_AND_TE -> exchange.send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "b\r\nhello world\r\n0\r\n\r\n");
            case HUGE_HEAD -> exchange.send("HTTP/1.1 200 OK\r\nX-Big: " + "h".repeat(100 * 1024) + "\r\nContent-Length: 2\r\n\r\nok");
            case UNSOLICITED_101 -> {
                exchange.send("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
                exchange.holdUntilClosed();
            }
            case RESET_MID_BODY -> {
                exchange.send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + "r".repeat(100));
                exchange.reset();
            }
            case CLOSE_BEFORE_ANSWER -> exchange.close();
            case PARTIAL_BODY_THEN_CLOSE -> {
                exchange.send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + "p".repeat(100));
                exchange.close();
            }
            case ABANDONED_UPLOAD -> {
                exchange.body(); // the client never finishes it: the gateway must give up on the connection
                exchange.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nup");
            }
            case ABANDONED_DOWNLOAD -> {
                exchange.send("HTTP/1.1 200 OK\r\nContent-Length: " + 256 * 1024 + "\r\n\r\n");
                exchange.send(new byte[256 * 1024]);
            }
        }
    }

    /** The wrong answers grouped by what was sent, with the first few of each. */
    private String summary() {
        Map<String, List<String>> byKind = new java.util.TreeMap<>();
        wrong.forEach((id, what) -> byKind.computeIfAbsent(choose(id).name(), k -> new ArrayList<>()).add(id + ": " + what));
        StringBuilder s = new StringBuilder();
        byKind.forEach((kind, list) -> {
            s.append(kind).append(" x").append(list.size());
            list.stream().limit(3).forEach(line -> s.append("\n    ").append(line.length() > 300 ? line.substring(0, 300) + "..." : line));
            s.append('\n');
        });
        return s.toString();
    }

    private static String openOnly(HostileUpstream upstream) {
        StringBuilder s = new StringBuilder("open=" + upstream.open());
        upstream.connections().stream().filter(HostileUpstream.Connection::isOpen).limit(20)
                .forEach(c -> s.append("\n  ").append(c));
        return s.toString();
    }
}
