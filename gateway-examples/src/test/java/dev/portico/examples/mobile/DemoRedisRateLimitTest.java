package dev.portico.examples.mobile;

import dev.portico.redis.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.portico.examples.mobile.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;

/** EXAMPLE.md's {@code REDIS_URL}: every demo gateway on one Redis spends the same budgets. */
class DemoRedisRateLimitTest {

    private static final int PER_MINUTE = 4;

    private RedisServer redis;
    private MobileDemo first;
    private MobileDemo second;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        DemoConfig config = new DemoConfig(0, Duration.ZERO, Duration.ofSeconds(2), null)
                .withRateLimitPerMinute(PER_MINUTE)
                .withRedisUrl(redis.uri());
        first = MobileDemo.start(config);
        second = MobileDemo.start(config);
    }

    @AfterEach
    void stop() {
        first.close();
        second.close();
        redis.close();
    }

    @Test
    void twoGatewaysOnOneRedisShareEachAddressAndEachUsersBudget() throws Exception {
        Http[] gateways = {new Http(first.port()), new Http(second.port())};
        for (int i = 0; i < PER_MINUTE; i++) {
            assertThat(gateways[i % 2].get("/api/products").statusCode()).isEqualTo(200);
            assertThat(gateways[i % 2].get("/api/users/me", "Authorization", bearer("alice")).statusCode()).isEqualTo(200);
        }

        for (Http gateway : gateways) {
            assertThat(gateway.get("/api/products").statusCode()).isEqualTo(429);
            assertThat(gateway.get("/api/orders", "Authorization", bearer("alice")).statusCode()).isEqualTo(429);
            assertThat(gateway.get("/api/orders", "Authorization", bearer("bob")).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void whileRedisIsDownEachGatewayCountsOnItsOwnAndSharesAgainOnceItIsBack() throws Exception {
        Http one = new Http(first.port());
        redis.stop();

        for (int i = 0; i < PER_MINUTE; i++) {
            assertThat(one.get("/api/products").statusCode()).isEqualTo(200);
        }
        assertThat(one.get("/api/products").statusCode()).isEqualTo(429);
        assertThat(new Http(second.port()).get("/api/products").statusCode()).isEqualTo(200);

        redis.restart();

        assertThat(sharedAgainWithin(Duration.ofSeconds(15), one, new Http(second.port()))).isTrue();
    }

    /**
     * Returns whether, within the time given, a new user's request through one gateway leaves one permit fewer for
     * that user in the other: both count in Redis again.
     */
    private static boolean sharedAgainWithin(Duration time, Http one, Http other) throws Exception {
        long deadline = System.nanoTime() + time.toNanos();
        for (int probe = 0; System.nanoTime() < deadline; probe++) {
            String user = bearer("probe-" + probe);
            one.get("/api/products", "Authorization", user);
            String remaining = other.get("/api/products", "Authorization", user)
                    .headers().firstValue("X-RateLimit-Remaining").orElse("");
            if (remaining.equals(String.valueOf(PER_MINUTE - 2))) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }
}
