package dev.portico.benchmarks;

import dev.portico.core.GatewayException;
import dev.portico.core.internal.http.Paths;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * The cost of {@link Paths#canonical}, which the gateway runs on every client's raw path before routing: a plain
 * path it returns as it is, a percent-encoded one it decodes, and three ambiguous ones it refuses with a 400 (dot
 * segments and encoded slashes are rejected, never resolved).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PathCanonicalizationBenchmark {

    /** Fields, not constants, so that the JIT cannot fold the input into the code. */
    private String mobile = "/api/v1/users/8f14e45f-ceea-467a-9575-6b5e2f6a7c3b/orders";
    private String escaped = "/api/v1/search/caf%C3%A9%20cr%C3%A8me/results";
    private String dotSegments = "/api/v1/users/42/../../admin/users";
    private String encodedDotSegments = "/api/v1/users/42/%2e%2e/%2E%2E/admin/users";
    private String encodedSlash = "/api/v1/files/reports%2F2026%2Fq3.pdf";

    /** A typical mobile API path, plain ASCII: checked in one pass and returned without a copy. */
    @Benchmark
    public String mobilePath() {
        return Paths.canonical(mobile);
    }

    /** A path with UTF-8 percent-escapes and an encoded space: checked, then decoded strictly. */
    @Benchmark
    public String escapedPath() {
        return Paths.canonical(escaped);
    }

    /** {@code ..} segments as the client typed them: refused during the first pass. */
    @Benchmark
    public void dotSegmentsRejected(Blackhole bh) {
        refuse(dotSegments, bh);
    }

    /** {@code %2e%2e} segments: the first pass accepts the characters, decoding refuses the segment. */
    @Benchmark
    public void encodedDotSegmentsRejected(Blackhole bh) {
        refuse(encodedDotSegments, bh);
    }

    /** An encoded slash, which would make two segments out of one: refused while decoding. */
    @Benchmark
    public void encodedSlashRejected(Blackhole bh) {
        refuse(encodedSlash, bh);
    }

    private static void refuse(String raw, Blackhole bh) {
        try {
            bh.consume(Paths.canonical(raw));
            throw new AssertionError("accepted " + raw);
        } catch (GatewayException e) {
            bh.consume(e);
        }
    }
}
