package dev.portico.redis;

import dev.portico.core.GatewayException;
import dev.portico.core.internal.Checks;
import dev.portico.core.ratelimit.Decision;
import dev.portico.core.ratelimit.Limit;
import dev.portico.core.ratelimit.Plan;
import dev.portico.core.ratelimit.RateLimiter;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.VerboseResult;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link RateLimiter} whose buckets live in Redis, so that every gateway sharing that Redis enforces one combined
 * limit; when Redis cannot answer within the call timeout, it applies the failure policy it was built with, and it
 * counts in Redis again as soon as Redis answers, with no restart.
 *
 * <pre>{@code
 * RedisRateLimiter limiter = RedisRateLimiter.builder("redis://redis.internal:6379")
 *         .failOpen()
 *         .build();
 * }</pre>
 *
 * <p>Each bucket is one Redis key, {@code <prefix><plan name>@<digest of its limits>:<key>}, updated by Bucket4j's
 * compare-and-swap script and set to expire once the bucket would be full again plus {@code idleExpiry}. A {@link
 * Limit#sliding() sliding} limit is instead a sorted set per key of the times of the requests it accepted within its
 * period, updated by a script of its own on Redis's clock, so that the gateways' clocks never matter to it. One
 * connection carries every call, made at {@link Builder#build()}, which fails if Redis cannot be reached then;
 * Lettuce reconnects by itself after a later outage. Nothing ever blocks the calling thread.
 */
public final class RedisRateLimiter implements RateLimiter, AutoCloseable {

    /** The default start of every key this limiter writes. */
    public static final String DEFAULT_KEY_PREFIX = "portico:rl:";
    /** The default longest wait for Redis in one call. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(50);

    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final CompletableFuture<BucketConfiguration> WARM_UP = CompletableFuture.completedFuture(
            BucketConfiguration.builder().addLimit(PlanBuckets.bandwidth(Limit.of(1, Duration.ofMillis(1)))).build());

    /** The most bucket proxies kept for batching; past it they are all dropped and made again as keys come. */
    private static final int MAX_PROXIES = 10_000;

    private final String keyPrefix;
    private final long timeoutNanos;
    private final boolean failClosed;
    private final RateLimiter fallback;
    private final RedisClient ownedClient;
    private final ClientResources ownedResources;
    private final StatefulRedisConnection<String, byte[]> connection;
    private final AsyncProxyManager<String> buckets;
    private final Executor policyThreads;
    private final Map<Plan, PlanBuckets> plans = new ConcurrentHashMap<>();
    private final Map<String, AsyncBucketProxy> proxies = new ConcurrentHashMap<>();
    private final OutageLog outages;
    private final SlidingScript sliding;
    /** Members of sorted sets are this limiter's random prefix and a sequence number: unique across gateways. */
    private final String memberPrefix = Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36) + ':';
    private final AtomicLong members = new AtomicLong();

    private RedisRateLimiter(Builder b, RedisClient client, ClientResources resources,
            StatefulRedisConnection<String, byte[]> connection) {
        this.keyPrefix = b.keyPrefix;
        this.timeoutNanos = b.timeout.toNanos();
        this.failClosed = b.failClosed;
        this.fallback = b.fallback;
        this.ownedClient = b.client == null ? client : null;
        this.ownedResources = resources;
        this.connection = connection;
        this.policyThreads = client.getResources().eventExecutorGroup();
        this.buckets = Bucket4jLettuce.casBasedBuilder(connection)
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(b.idleExpiry))
                .build()
                .asAsync();
        this.outages = new OutageLog("Redis rate limiter (" + policyName() + ")", LOG_INTERVAL_NANOS);
        this.sliding = new SlidingScript(connection);
    }

    /** Returns a builder of a limiter on the Redis at this URI, such as {@code redis://host:6379/0}. */
    public static Builder builder(String uri) {
        Objects.requireNonNull(uri, "uri");
        try {
            return new Builder(RedisURI.create(uri), null);
        } catch (RuntimeException e) {
            // the text may hold a password: never repeat it
            throw new IllegalArgumentException("uri: not a Redis URI (expected: redis://[[user:]password@]host"
                    + "[:port][/database], rediss://... or redis-sentinel://...)");
        }
    }

    /** Returns a builder of a limiter on the Redis at this URI. */
    public static Builder builder(RedisURI uri) {
        return new Builder(Objects.requireNonNull(uri, "uri"), null);
    }

    /**
     * Returns a builder of a limiter that opens its connection with this client, shared with the rest of the
     * application and left open by {@link #close()}; the client keeps its own options.
     */
    public static Builder builder(RedisClient client) {
        return new Builder(null, Objects.requireNonNull(client, "client"));
    }

    /**
     * Takes one permit in Redis; when Redis fails or does not answer within the timeout, completes as the failure
     * policy says: unmetered, the fallback's decision, or a 503 {@code rate_limiter_unavailable}. The stage
     * completes on one of Lettuce's computation threads, never on the caller's nor on the connection's event loop.
     */
    @Override
    public CompletionStage<Decision> tryAcquire(String key, Plan plan) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(plan, "plan");
        PlanBuckets planBuckets = plans.computeIfAbsent(plan, p -> new PlanBuckets(keyPrefix, p));
        CompletableFuture<Decision> call;
        try {
            call = planBuckets.hasSliding() ? slide(key, planBuckets) : bucket(planBuckets.redisKey(key), planBuckets)
                    .asVerbose()
                    .tryConsumeAndReturnRemaining(1)
                    // off the connection's event loop: the request goes on where the decision completes, and the
                    // loop must stay free to read the other replies within their timeout
                    .thenApplyAsync(planBuckets::decision, policyThreads);
        } catch (RuntimeException failure) {
            call = CompletableFuture.failedFuture(failure);
        }
        return call.orTimeout(timeoutNanos, TimeUnit.NANOSECONDS)
                .handle((decision, failure) -> {
                    if (failure == null) {
                        outages.succeeded();
                        return CompletableFuture.completedFuture(decision);
                    }
                    outages.failed(failure);
                    return CompletableFuture.supplyAsync(() -> whileDown(key, plan), policyThreads)
                            .thenCompose(stage -> stage);
                })
                .thenCompose(stage -> stage);
    }

    /**
     * Takes a permit from a plan with sliding limits: the script takes one from every sliding limit or from none;
     * then, when the plan has bucket limits too, the bucket is consumed if the script accepted the request, else
     * only read. A request the bucket refuses has its members removed again; until then, or for good when a failure
     * intervenes, it counts in the sliding limits: a refusal too many, never a request.
     */
    private CompletableFuture<Decision> slide(String key, PlanBuckets plan) {
        String[] keys = plan.slidingKeys(key);
        byte[] member = (memberPrefix + Long.toString(members.incrementAndGet(), 36)).getBytes(StandardCharsets.US_ASCII);
        CompletableFuture<List<Long>> taken = sliding.run(keys, plan.slidingArgs(member));
        if (!plan.hasBuckets()) {
            return taken.thenApplyAsync(script -> plan.decision(script, null), policyThreads);
        }
        return taken.thenComposeAsync(script -> {
            var bucket = bucket(plan.redisKey(key), plan).asVerbose();
            boolean accepted = script.get(0) == 1;
            CompletableFuture<? extends VerboseResult<?>> read = accepted
                    ? bucket.tryConsumeAndReturnRemaining(1) : bucket.estimateAbilityToConsume(1);
            return read.thenApplyAsync(result -> {
                Decision decision = plan.decision(script, result);
                if (accepted && !decision.isAllowed()) {
                    sliding.forget(keys, member);
                }
                return decision;
            }, policyThreads);
        }, policyThreads);
    }

    /**
     * Returns the proxy of one bucket in Redis, kept while its key is busy so that calls waiting on it are batched
     * into one round trip (without it, concurrent calls on one hot key race their compare-and-swap and retry).
     * The state lives in Redis, so dropping every proxy when there are too many loses nothing but the batching.
     */
    private AsyncBucketProxy bucket(String redisKey, PlanBuckets planBuckets) {
        AsyncBucketProxy bucket = proxies.get(redisKey);
        if (bucket != null) {
            return bucket;
        }
        if (proxies.size() >= MAX_PROXIES) {
            proxies.clear();
        }
        return proxies.computeIfAbsent(redisKey, k -> buckets.builder()
                .withOptimization(Optimizations.batching())
                .build(k, planBuckets::configuration));
    }

    /** Closes the connection, and the client and its threads when this limiter made them. */
    @Override
    public void close() {
        connection.close();
        if (ownedClient != null) {
            ownedClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        if (ownedResources != null) {
            ownedResources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    /**
     * Loads the sliding limits' script and takes a permit from a short-lived bucket of its own, so that the classes
     * and the scripts of a call are loaded before the first request, which would otherwise risk the timeout.
     */
    private void warmUp(Duration wait) {
        try {
            sliding.load().get(wait.toNanos(), TimeUnit.NANOSECONDS);
            buckets.builder()
                    .build(keyPrefix + "warm-up", () -> WARM_UP)
                    .tryConsume(1)
                    .get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while warming up", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Redis does not answer: " + e, e);
        }
    }

    private CompletionStage<Decision> whileDown(String key, Plan plan) {
        if (failClosed) {
            return CompletableFuture.failedFuture(new GatewayException(503, "rate_limiter_unavailable",
                    "rate limits cannot be checked now; try again later"));
        }
        if (fallback != null) {
            return fallback.tryAcquire(key, plan);
        }
        return CompletableFuture.completedFuture(Decision.unmetered(plan.limits().get(0)));
    }

    private String policyName() {
        return failClosed ? "fail closed" : fallback != null ? "fail open to a local limit" : "fail open";
    }

    /**
     * Builds a {@link RedisRateLimiter}; a failure policy must be chosen: {@link #failOpen()}, {@link
     * #failOpen(RateLimiter)} or {@link #failClosed()}.
     */
    public static final class Builder {

        private final RedisURI uri;
        private final RedisClient client;
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private Duration idleExpiry = Duration.ofSeconds(10);
        private Duration timeout = DEFAULT_TIMEOUT;
        private Duration connectTimeout = Duration.ofSeconds(2);
        private boolean policyChosen;
        private boolean failClosed;
        private RateLimiter fallback;

        private Builder(RedisURI uri, RedisClient client) {
            this.uri = uri;
            this.client = client;
        }

        /** Sets the start of every key this limiter writes (default {@code portico:rl:}). */
        public Builder keyPrefix(String keyPrefix) {
            this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
            return this;
        }

        /**
         * Sets how long a bucket stays in Redis after it would be full again (default 10 seconds); a full bucket
         * is the same as none, so this only absorbs clock differences between gateways.
         */
        public Builder idleExpiry(Duration idleExpiry) {
            Objects.requireNonNull(idleExpiry, "idleExpiry");
            if (idleExpiry.isNegative()) {
                throw new IllegalArgumentException("idleExpiry: " + idleExpiry + " (expected: >= 0)");
            }
            this.idleExpiry = idleExpiry;
            return this;
        }

        /** Sets the longest a call waits for Redis before the failure policy applies (default 50 ms). */
        public Builder timeout(Duration timeout) {
            this.timeout = Checks.positive(timeout, "timeout");
            return this;
        }

        /**
         * Sets the longest a connection attempt may take (default 2 seconds), at {@link #build()} and on reconnect;
         * ignored for a client passed in, which keeps its own options.
         */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Checks.positive(connectTimeout, "connectTimeout");
            return this;
        }

        /** While Redis fails, allows every request without counting it ({@link Decision#unmetered}). */
        public Builder failOpen() {
            return policy(false, null);
        }

        /** While Redis fails, asks {@code fallback} instead, such as a local limiter with a per-gateway share. */
        public Builder failOpen(RateLimiter fallback) {
            return policy(false, Objects.requireNonNull(fallback, "fallback"));
        }

        /** While Redis fails, refuses every request with 503 {@code rate_limiter_unavailable}. */
        public Builder failClosed() {
            return policy(true, null);
        }

        /**
         * Connects to Redis and returns the limiter; throws {@link IllegalStateException} naming the address when
         * Redis cannot be reached, and when no failure policy was chosen.
         */
        public RedisRateLimiter build() {
            if (!policyChosen) {
                throw new IllegalStateException(
                        "a failure policy is required: failOpen(), failOpen(fallback) or failClosed()");
            }
            ClientResources resources = null;
            RedisClient redis = client;
            if (redis == null) {
                resources = ClientResources.builder()
                        .reconnectDelay(Delay.exponential(Duration.ofMillis(5), Duration.ofSeconds(1), 2,
                                TimeUnit.MILLISECONDS))
                        .build();
                redis = RedisClient.create(resources, uri);
                redis.setOptions(ClientOptions.builder()
                        .autoReconnect(true)
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .timeoutOptions(TimeoutOptions.enabled(timeout))
                        .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).build())
                        .build());
            }
            StatefulRedisConnection<String, byte[]> connection = null;
            try {
                connection = redis.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
                RedisRateLimiter limiter = new RedisRateLimiter(this, redis, resources, connection);
                limiter.warmUp(connectTimeout);
                return limiter;
            } catch (RuntimeException failure) {
                if (connection != null) {
                    connection.close();
                }
                if (client == null) {
                    redis.shutdown(Duration.ZERO, Duration.ofSeconds(2));
                    resources.shutdown(0, 2, TimeUnit.SECONDS);
                }
                String where = uri != null ? uri.toString() : "the client's Redis";
                throw new IllegalStateException("cannot connect to Redis at " + where + ": " + failure.getMessage(),
                        failure);
            }
        }

        private Builder policy(boolean closed, RateLimiter fallback) {
            this.policyChosen = true;
            this.failClosed = closed;
            this.fallback = fallback;
            return this;
        }
    }
}
