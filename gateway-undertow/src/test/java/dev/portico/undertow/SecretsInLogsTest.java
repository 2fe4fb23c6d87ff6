package dev.portico.undertow;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.auth.ApiKeyAuth;
import dev.portico.core.auth.JwtAuth;
import dev.portico.core.observe.AccessLog;
import dev.portico.core.ratelimit.RateLimit;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.text.MessageFormat;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static dev.portico.undertow.HostileUpstream.awaitOrFail;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * No log record of any logger, at any level, carries a token, a cookie or an API key: every record the JVM logs while
 * the gateway answers good, forged and failing requests is captured from the root logger and searched.
 */
class SecretsInLogsTest {

    private static final String SIGNING_KEY = "0123456789abcdef0123456789abcdef";

    private final ConcurrentLinkedQueue<String> records = new ConcurrentLinkedQueue<>();

    /** A record as a handler would write it: the formatted message and the whole stack trace of its exception. */
    private static String text(LogRecord record) {
        StringWriter text = new StringWriter().append(record.getLoggerName()).append(": ");
        String message = String.valueOf(record.getMessage());
        text.append(record.getParameters() == null ? message : MessageFormat.format(message, record.getParameters()));
        if (record.getThrown() != null) {
            record.getThrown().printStackTrace(new PrintWriter(text));
        }
        return text.toString();
    }

    private static String token(String subject, String signingKey) {
        return JWT.create().withSubject(subject).withClaim("note", "claim-secret-6")
                .withExpiresAt(Instant.now().plusSeconds(300))
                .sign(Algorithm.HMAC256(signingKey.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void noRecordCarriesATokenACookieOrAnApiKeyWhateverTheRequestsDo() throws Exception {
        Logger root = Logger.getLogger("");
        Level level = root.getLevel();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(text(record));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        capture.setLevel(Level.ALL);
        root.setLevel(Level.ALL);
        root.addHandler(capture);
        Backend backend = Backend.start(new EchoHandler());
        AccessLog accessLog = AccessLog.json();
        JwtAuth jwt = JwtAuth.builder().hs256(SIGNING_KEY.getBytes(StandardCharsets.UTF_8)).build();
        PorticoServer server = PorticoServer.builder(Gateway.builder().accessLog(accessLog)
                        .route(Route.get("/jwt").filter(jwt).filter(RateLimit.perSubject(1, Duration.ofHours(1)))
                                .to(Upstream.of("echo", backend.url())))
                        .route(Route.get("/key").filter(ApiKeyAuth.builder()
                                .key("app", "free", Set.of(), "apikey-secret-3-valid").build())
                                .to(Upstream.of("down", "http://127.0.0.1:1")))
                        .route(Route.get("/fail").handler((request, context) ->
                                CompletableFuture.failedFuture(new IllegalStateException("the handler failed"))))
                        .build())
                .port(0).ioThreads(1).drainTimeout(Duration.ZERO).start();
        String valid = token("alice", SIGNING_KEY);
        String forged = token("mallory", "another-key-of-at-least-32-bytes!");
        List<String> secrets = List.of(valid, valid.substring(valid.lastIndexOf('.') + 1), forged,
                forged.substring(forged.lastIndexOf('.') + 1), "claim-secret-6", "bearer-secret-1", "cookie-secret-2",
                "apikey-secret-3", "query-secret-4", "basic-secret-5");
        try {
            for (String target : List.of("/jwt", "/key", "/fail", "/nowhere")) {
                for (String authorization : List.of("Bearer " + valid, "Bearer " + forged, "Bearer bearer-secret-1",
                        "Basic basic-secret-5")) {
                    RawHttp.send(server.port(), "GET " + target + "?api_key=query-secret-4 HTTP/1.1\r\nHost: x\r\n"
                            + "Authorization: " + authorization + "\r\nCookie: session=cookie-secret-2\r\n"
                            + "X-API-Key: apikey-secret-3\r\nConnection: close\r\n\r\n");
                }
                RawHttp.send(server.port(), "GET " + target + " HTTP/1.1\r\nHost: x\r\n"
                        + "X-API-Key: apikey-secret-3-valid\r\nConnection: close\r\n\r\n");
            }
            awaitOrFail(() -> records.stream().filter(r -> r.startsWith("dev.portico.access:")).count() >= 20,
                    Duration.ofSeconds(30), () -> "the access log's 20 lines, got " + records);
        } finally {
            server.stop(Duration.ZERO);
            accessLog.close();
            backend.close();
            root.removeHandler(capture);
            root.setLevel(level);
        }

        assertThat(records).as("the handler's failure, logged with its stack trace")
                .anyMatch(r -> r.contains("the handler failed") && r.contains("\tat "));
        assertThat(records).allSatisfy(record -> assertThat(record).doesNotContain(secrets));
    }
}
