package dev.portico.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The script that takes a permit from every sliding limit of a plan or from none, atomically, on Redis's own clock
 * ({@code TIME}, one clock for every gateway, so their clocks may differ), with one sorted set per limit and key of
 * the accepted requests' times in microseconds.
 */
final class SlidingScript {

    /**
     * KEYS[i]: limit i's sorted set; ARGV[1]: this request's member, unique; ARGV[2i], ARGV[2i+1]: limit i's permits
     * and period in microseconds. Returns 1 if accepted else 0, the time, and for each limit the requests within its
     * period, the oldest time and the newest (the time itself when there are none).
     */
    static final String SOURCE = """
            local time = redis.call('TIME')
            local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
            local accepted = 1
            for i = 1, #KEYS do
              redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - tonumber(ARGV[2 * i + 1]))
              if redis.call('ZCARD', KEYS[i]) >= tonumber(ARGV[2 * i]) then
                accepted = 0
              end
            end
            local result = {accepted, now}
            for i = 1, #KEYS do
              if accepted == 1 then
                redis.call('ZADD', KEYS[i], now, ARGV[1])
                redis.call('PEXPIRE', KEYS[i], math.ceil(tonumber(ARGV[2 * i + 1]) / 1000))
              end
              local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
              local newest = redis.call('ZRANGE', KEYS[i], -1, -1, 'WITHSCORES')
              result[#result + 1] = redis.call('ZCARD', KEYS[i])
              result[#result + 1] = tonumber(oldest[2] or now)
              result[#result + 1] = tonumber(newest[2] or now)
            end
            return result
            """;

    private final RedisAsyncCommands<String, byte[]> redis;
    private final String digest;

    SlidingScript(StatefulRedisConnection<String, byte[]> connection) {
        this.redis = connection.async();
        this.digest = redis.digest(SOURCE);
    }

    /** Loads the script into Redis, so that calls send only its digest. */
    CompletableFuture<String> load() {
        return redis.scriptLoad(SOURCE).toCompletableFuture();
    }

    /** Runs the script by its digest, or whole when Redis lost it (a restart without its data). */
    CompletableFuture<List<Long>> run(String[] keys, byte[][] args) {
        return redis.<List<Long>>evalsha(digest, ScriptOutputType.MULTI, keys, args).toCompletableFuture()
                .exceptionallyCompose(failure -> unwrap(failure) instanceof RedisNoScriptException
                        ? redis.<List<Long>>eval(SOURCE, ScriptOutputType.MULTI, keys, args).toCompletableFuture()
                        : CompletableFuture.failedFuture(failure));
    }

    /** Removes a member the script added, for a request another limit of its plan refused; no answer awaited. */
    void forget(String[] keys, byte[] member) {
        for (String key : keys) {
            redis.zrem(key, member);
        }
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }
}
