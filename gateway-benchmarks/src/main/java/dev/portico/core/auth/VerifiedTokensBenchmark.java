package dev.portico.core.auth;

import dev.portico.core.TimeSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A cached JWT found again, as a request brings it: a new string of the same 230-odd characters each time, so its
 * hash is not cached. {@code hit}: {@link VerifiedTokens}, keyed by the token's signature tail; {@code wholeStringKey}:
 * the same lookup in a map keyed by the token string itself, which hashes every character. It lives in
 * {@code dev.portico.core.auth} inside the benchmarks module, since {@code VerifiedTokens} is package-private.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class VerifiedTokensBenchmark {

    /** An HS256 token of the benchmark proxy's shape: issuer, audience, subject, issued and expiry. */
    private static final String TOKEN = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2F1dGgubW9iaWxlLm"
            + "V4YW1wbGUiLCJhdWQiOiJtb2JpbGUtYXBwIiwic3ViIjoiYmVuY2giLCJpYXQiOjE3OTY2NjM0NjgsImV4cCI6MTc5NjY2NzA2OH0."
            + "MsKRXW3jgAyzJqLdGEO4AL0cKy_UE675uddc3J11daw";

    private final TimeSource time = TimeSource.system();
    private final VerifiedTokens tokens = new VerifiedTokens(10_000);
    private final ConcurrentHashMap<String, Principal> byString = new ConcurrentHashMap<>();
    private final char[] chars = TOKEN.toCharArray();

    @Setup
    public void cache() {
        Principal principal = Principal.builder("bench", "jwt").build();
        long now = time.nanoTime();
        tokens.put(TOKEN, principal, time, now, time.instant().toEpochMilli(), -1);
        byString.put(TOKEN, principal);
    }

    @Benchmark
    public Principal hit() {
        return tokens.get(new String(chars), time.nanoTime(), time);
    }

    @Benchmark
    public Principal wholeStringKey() {
        return byString.get(new String(chars));
    }
}
