package dev.portico.core.ratelimit;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A flood of distinct client addresses within one period, in a JVM with a 64 MB heap: the default limiter lives
 * through it, and the same limiter without a cap on keys runs out of memory, so the bound is what saves the heap.
 */
class BoundedHeapTest {

    private static final int KEYS = 600_000;

    @Test
    void aFloodOfDistinctAddressesFitsInASmallHeapWithTheDefaultCap() throws Exception {
        Result capped = fork(LocalRateLimiter.DEFAULT_MAX_KEYS);

        assertThat(capped.exit()).as(capped.output()).isZero();
        assertThat(capped.output()).contains("done " + KEYS);
    }

    @Test
    void theSameFloodWithoutTheCapRunsOutOfMemory() throws Exception {
        Result uncapped = fork(Integer.MAX_VALUE);

        assertThat(uncapped.exit()).as(uncapped.output()).isNotZero();
        assertThat(uncapped.output()).contains("OutOfMemoryError");
    }

    private record Result(int exit, String output) {
    }

    private static Result fork(int maxKeys) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx64m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), Flood.class.getName(),
                Integer.toString(maxKeys), Integer.toString(KEYS)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        boolean finished = process.waitFor(300, TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly();
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(finished ? process.exitValue() : -1, output);
    }

    /** Sends one request from each of {@code keys} distinct IPv6 addresses, all within one hour-long period. */
    static final class Flood {

        public static void main(String[] args) {
            int maxKeys = Integer.parseInt(args[0]);
            int keys = Integer.parseInt(args[1]);
            LocalRateLimiter limiter = LocalRateLimiter.builder().maxKeys(maxKeys).build();
            Plan plan = Plan.of("default", Limit.of(600, Duration.ofHours(1)));
            for (int i = 0; i < keys; i++) {
                limiter.decide("rate-limit|ip:2001:db8:" + Integer.toHexString(i >>> 16) + ':'
                        + Integer.toHexString(i & 0xffff) + ":0:0:0:1", plan);
            }
            Runtime runtime = Runtime.getRuntime();
            System.gc();
            System.out.println("done " + keys + " buckets " + limiter.size(plan) + " heap "
                    + (runtime.totalMemory() - runtime.freeMemory()) / (1024 * 1024) + " MB");
        }
    }
}
