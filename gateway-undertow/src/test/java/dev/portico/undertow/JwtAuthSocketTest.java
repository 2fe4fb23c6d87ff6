package dev.portico.undertow;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import dev.portico.core.Gateway;
import dev.portico.core.Route;
import dev.portico.core.auth.JwtAuth;
import dev.portico.core.upstream.Upstream;
import io.undertow.util.HeaderValues;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Over real sockets, a JWT-protected route admits only valid tokens, and the caller's identity cannot be forged. */
class JwtAuthSocketTest {

    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);

    private final List<String> reached = new CopyOnWriteArrayList<>();
    private Backend backend;
    private PorticoServer gateway;

    @BeforeEach
    void start() {
        backend = Backend.start(exchange -> {
            reached.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
            exchange.getResponseSender().send("user=" + values(exchange.getRequestHeaders().get("X-User-Id"))
                    + "\nauth=" + values(exchange.getRequestHeaders().get("Authorization"))
                    + "\nunderscored=" + exchange.getRequestHeaders().getHeaderNames().stream()
                            .map(Object::toString).filter(name -> name.indexOf('_') >= 0).toList());
        });
        Upstream app = Upstream.of("app", backend.url());
        JwtAuth jwt = JwtAuth.builder().hs256(SECRET).realm("shop").claimHeader("sub", "X-User-Id").build();
        gateway = PorticoServer.start(Gateway.builder()
                .route(Route.get("/api/orders").filter(jwt).to(app))
                .route(Route.get("/public/**").to(app))
                .build(), "127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        gateway.stop(Duration.ZERO);
        backend.close();
    }

    private static String values(HeaderValues values) {
        return values == null ? "[]" : values.toString();
    }

    private static String token(String subject) {
        return JWT.create().withSubject(subject).withExpiresAt(Instant.now().plusSeconds(300))
                .sign(Algorithm.HMAC256(SECRET));
    }

    private RawHttp.Reply send(String requestLine, String... headers) throws Exception {
        StringBuilder request = new StringBuilder(requestLine).append("\r\nHost: x\r\n");
        for (String header : headers) {
            request.append(header).append("\r\n");
        }
        return RawHttp.send(gateway.port(), request.append("Connection: close\r\n\r\n").toString());
    }

    @Test
    void validTokenPassesWithTheSubjectAsXUserId() throws Exception {
        String token = token("alice");

        RawHttp.Reply reply = send("GET /api/orders HTTP/1.1", "Authorization: Bearer " + token);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).contains("user=[alice]").contains("auth=[Bearer " + token + "]");
    }

    @Test
    void forgedXUserIdIsReplacedInAnyCaseAndCount() throws Exception {
        String auth = "Authorization: Bearer " + token("alice");

        assertThat(send("GET /api/orders HTTP/1.1", "X-User-Id: mallory", auth).body()).contains("user=[alice]");
        assertThat(send("GET /api/orders HTTP/1.1", auth, "x-user-id: mallory", "X-USER-ID: root").body())
                .contains("user=[alice]");
        assertThat(send("GET /api/orders HTTP/1.1", "x-UsEr-iD: a", "X-User-Id: b", "X-User-Id: c", auth).body())
                .contains("user=[alice]");
        assertThat(send("GET /public/x HTTP/1.1", "X-User-Id: mallory", "x-user-id: root").body())
                .contains("user=[]");
    }

    @Test
    void underscoreSpellingsOfTheIdentityHeaderNeverReachTheBackend() throws Exception {
        String auth = "Authorization: Bearer " + token("alice");

        assertThat(send("GET /api/orders HTTP/1.1", "X_User_Id: mallory", "x_user-id: root", auth).body())
                .contains("user=[alice]").contains("underscored=[]");
        assertThat(send("GET /public/x HTTP/1.1", "X_USER_ID: mallory").body()).contains("underscored=[]");
    }

    /** The writer sends a char's low byte: text beyond Latin-1 must go as UTF-8 octets, or "Иван" and "Петр" meet. */
    @Test
    void subjectsBeyondAsciiReachTheBackendAsDistinctUtf8() throws Exception {
        for (String subject : List.of("Иван", "Петр", "José", "雪")) {
            String body = send("GET /api/orders HTTP/1.1", "Authorization: Bearer " + token(subject)).body();
            String received = body.substring(body.indexOf("user=[") + 6, body.indexOf(']'));

            // Undertow reads a field's octets as ISO-8859-1 chars: turned back into bytes, they are the UTF-8 text
            assertThat(new String(received.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8))
                    .isEqualTo(subject);
        }
    }

    @Test
    void missingOrForgedTokensNeverReachTheBackend() throws Exception {
        String forged = JWT.create().withSubject("mallory").withExpiresAt(Instant.now().plusSeconds(300))
                .sign(Algorithm.HMAC256("not-the-secret-not-the-secret-!!".getBytes(StandardCharsets.UTF_8)));

        RawHttp.Reply missing = send("GET /api/orders HTTP/1.1", "X-User-Id: alice");
        RawHttp.Reply bad = send("GET /api/orders HTTP/1.1", "Authorization: Bearer " + forged);

        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"shop\"");
        assertThat(bad.status()).isEqualTo(401);
        assertThat(bad.header("WWW-Authenticate")).contains("error=\"invalid_token\"");
        assertThat(bad.body()).contains("\"error\":\"unauthorized\"").doesNotContain(forged);
        assertThat(reached).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET /api/orders/../orders HTTP/1.1", "GET /api/%6frders HTTP/1.1",
            "GET /api/%6F%72ders HTTP/1.1", "GET /api/orders/ HTTP/1.1", "GET /api//orders HTTP/1.1",
            "GET /api/./orders HTTP/1.1", "GET /public/../api/orders HTTP/1.1", "GET /api/orders;x=1 HTTP/1.1",
            "GET http://x/api/orders HTTP/1.1", "GET http://127.0.0.1/api/orders?a=1 HTTP/1.1",
            "HEAD /api/orders HTTP/1.1", "GET /API/orders HTTP/1.1"})
    void pathTricksNeverReachAProtectedRouteWithoutAToken(String requestLine) throws Exception {
        RawHttp.Reply reply = send(requestLine, "X-User-Id: alice");

        assertThat(reply.status()).as(requestLine).isIn(400, 401, 404);
        assertThat(reached).as(requestLine).isEmpty();
    }
}
