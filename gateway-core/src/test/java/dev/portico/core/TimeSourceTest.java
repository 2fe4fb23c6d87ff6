package dev.portico.core;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import dev.portico.core.auth.JwtAuth;
import dev.portico.core.ratelimit.RateLimit;
import dev.portico.core.resilience.RetryPolicy;
import dev.portico.core.spi.Exchanges;
import dev.portico.core.spi.GatewayExchange;
import dev.portico.core.upstream.Upstream;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** Core reads and schedules time through the gateway's {@link TimeSource}, never the system clock behind its back. */
class TimeSourceTest {

    private static final byte[] SECRET = "a-secret-of-at-least-thirty-two-bytes!".getBytes(StandardCharsets.UTF_8);

    /** A time source that moves only when told, and runs its timers only when told. */
    static final class ManualTime implements TimeSource {
        final Instant start;
        long nanos = 1_000_000_000L;

        ManualTime() {
            this(Instant.parse("2031-05-01T10:00:00Z"));
        }

        ManualTime(Instant start) {
            this.start = start;
        }
        final List<Runnable> scheduled = new ArrayList<>();
        final List<Duration> delays = new ArrayList<>();

        @Override
        public long nanoTime() {
            return nanos;
        }

        @Override
        public Instant instant() {
            return start.plusNanos(nanos - 1_000_000_000L);
        }

        @Override
        public Future<?> schedule(Runnable task, Duration delay) {
            scheduled.add(task);
            delays.add(delay);
            return new CompletableFuture<>();
        }

        void advance(Duration by) {
            nanos += by.toNanos();
        }
    }

    private final Upstream users = Upstream.of("users", "http://10.0.0.7:8080");

    @Test
    void systemIsTheDefault() {
        assertThat(Gateway.builder().build().timeSource()).isSameAs(TimeSource.system());
    }

    @Test
    void completionDurationIsMeasuredOnTheGatewaysTimeSource() {
        ManualTime time = new ManualTime();
        AtomicReference<Completion> completed = new AtomicReference<>();
        Filter slow = (request, chain) -> {
            chain.context().onComplete(completed::set);
            time.advance(Duration.ofMillis(1500));
            return chain.proceed(request);
        };
        Gateway gateway = Gateway.builder().timeSource(time).edgeFilter(slow).route(Route.get("/u").to(users)).build();

        GatewayExchange run = Exchanges.start(gateway, Http.get("/u"), Http.CLIENT, Http.LISTENER,
                new RecordingUpstreamClient());
        run.response().toCompletableFuture().join();
        run.complete(200, 0, 0, null);

        assertThat(completed.get().duration()).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void tokenExpiryIsReadFromTheGatewaysTimeSource() {
        ManualTime time = new ManualTime();
        Gateway gateway = Gateway.builder().timeSource(time)
                .route(Route.get("/u").filter(JwtAuth.builder().hs256(SECRET).clockSkew(Duration.ZERO).build()).to(users))
                .build();
        // valid at the source's time, expired long ago by the system's
        String token = JWT.create().withSubject("ann").withExpiresAt(time.instant().plusSeconds(10))
                .sign(Algorithm.HMAC256(SECRET));
        Request request = Http.request("GET", "/u").header("Authorization", "Bearer " + token).build();

        Response fresh = Http.send(gateway, request, new RecordingUpstreamClient());
        time.advance(Duration.ofSeconds(10));
        Response expired = Http.send(gateway, request, new RecordingUpstreamClient());

        assertThat(fresh.status()).isEqualTo(200);
        assertThat(expired.status()).isEqualTo(401);
    }

    @Test
    void aTokenVerifiedOnOneTimeSourceIsCheckedAgainOnAnother() {
        ManualTime early = new ManualTime();
        ManualTime late = new ManualTime(early.start.plus(Duration.ofHours(1))); // same nanosecond readings
        Gateway gateway = Gateway.builder()
                .route(Route.get("/u").filter(JwtAuth.builder().hs256(SECRET).clockSkew(Duration.ZERO).build()).to(users))
                .build();
        String token = JWT.create().withSubject("ann").withExpiresAt(early.instant().plusSeconds(60))
                .sign(Algorithm.HMAC256(SECRET));
        Request request = Http.request("GET", "/u").header("Authorization", "Bearer " + token).build();

        Response fresh = Exchanges.start(gateway, request, Http.CLIENT, Http.LISTENER, new RecordingUpstreamClient(), early)
                .response().toCompletableFuture().join();
        Response expired = Exchanges.start(gateway, request, Http.CLIENT, Http.LISTENER, new RecordingUpstreamClient(), late)
                .response().toCompletableFuture().join();

        assertThat(fresh.status()).isEqualTo(200);
        assertThat(expired.status()).isEqualTo(401);
    }

    @Test
    void localRateLimitRefillsOnTheRequestsTimeSource() {
        ManualTime time = new ManualTime();
        Gateway gateway = Gateway.builder().timeSource(time)
                .route(Route.get("/u").filter(RateLimit.perClientIp(1, Duration.ofMinutes(1))).to(users))
                .build();

        Response first = Http.send(gateway, Http.get("/u"), new RecordingUpstreamClient());
        Response limited = Http.send(gateway, Http.get("/u"), new RecordingUpstreamClient());
        time.advance(Duration.ofMinutes(1));
        Response refilled = Http.send(gateway, Http.get("/u"), new RecordingUpstreamClient());

        assertThat(first.status()).isEqualTo(200);
        assertThat(limited.status()).isEqualTo(429);
        assertThat(refilled.status()).isEqualTo(200);
    }

    @Test
    void retryBackoffAndDeadlineAreScheduledOnTheRequestsTimeSource() {
        ManualTime time = new ManualTime();
        Gateway gateway = Gateway.builder()
                .route(Route.get("/u").timeout(Duration.ofSeconds(3)).retries(RetryPolicy.builder().maxAttempts(2)
                        .backoff(Duration.ofMillis(100), Duration.ofMillis(100)).build()).to(users))
                .build();
        RecordingUpstreamClient client = new RecordingUpstreamClient()
                .enqueueFailure(GatewayException.badGateway("upstream users closed the connection"))
                .enqueue(Response.text(200, "again"));

        CompletableFuture<Response> response = Exchanges.start(gateway, Http.get("/u"), Http.CLIENT, Http.LISTENER,
                client, time).response().toCompletableFuture();

        assertThat(response).isNotDone(); // waiting for its backoff, which only the time source runs
        assertThat(time.delays).contains(Duration.ofSeconds(3)); // the call's deadline
        assertThat(client.callCount()).isEqualTo(1);
        int backoff = time.delays.indexOf(time.delays.stream().min(Duration::compareTo).orElseThrow());
        assertThat(time.delays.get(backoff)).isLessThanOrEqualTo(Duration.ofMillis(100));
        time.scheduled.get(backoff).run();

        assertThat(client.callCount()).isEqualTo(2);
        assertThat(response.join().status()).isEqualTo(200);
    }

    @Test
    void headLimitsApplyToEveryRequestWhateverItsAdapter() {
        Gateway gateway = Gateway.builder().maxHeaderCount(3).route(Route.get("/u").to(users)).build();
        Request many = Http.request("GET", "/u").header("A", "1").header("B", "2").header("C", "3").build();
        Request longTarget = Http.get("/u?q=" + "a".repeat(8 * 1024));

        Response tooMany = Http.send(gateway, many, new RecordingUpstreamClient());
        Response tooLong = Http.send(gateway, longTarget, new RecordingUpstreamClient());

        assertThat(tooMany.status()).isEqualTo(431);
        assertThat(tooLong.status()).isEqualTo(414);
    }
}
