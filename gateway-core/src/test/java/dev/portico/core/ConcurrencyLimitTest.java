package dev.portico.core;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.portico.core.internal.ConcurrencyLimit;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;

/** The default concurrency cap is reached before the process runs out of file descriptors. */
class ConcurrencyLimitTest {

    @Test
    void aFileLimitOfTwentyThousandGivesACapOfAThirdOfItLessTheReserve() {
        assertThat(ConcurrencyLimit.forFileLimit(20_000)).isEqualTo(6_496);
    }

    @Test
    void smallFileLimitsKeepAQuarterInReserve() {
        assertThat(ConcurrencyLimit.forFileLimit(1_024)).isEqualTo(256);
        assertThat(ConcurrencyLimit.forFileLimit(256)).isEqualTo(64);
        assertThat(ConcurrencyLimit.forFileLimit(4)).isEqualTo(1);
        assertThat(ConcurrencyLimit.forFileLimit(1)).isEqualTo(1);
    }

    @Test
    void largeOrUnknownFileLimitsGiveTheCeilingOfTenThousand() {
        assertThat(ConcurrencyLimit.forFileLimit(65_536)).isEqualTo(10_000);
        assertThat(ConcurrencyLimit.forFileLimit(1_048_576)).isEqualTo(10_000);
        assertThat(ConcurrencyLimit.forFileLimit(Long.MAX_VALUE)).isEqualTo(10_000);
        assertThat(ConcurrencyLimit.forFileLimit(0)).isEqualTo(10_000);
        assertThat(ConcurrencyLimit.forFileLimit(-1)).isEqualTo(10_000);
    }

    @Test
    void theCapsConnectionsAndTheReserveFitInTheLimitAndTheCapNeverShrinksAsTheLimitGrows() {
        int previous = 0;
        for (long limit = 8; limit <= 40_000; limit++) {
            int cap = ConcurrencyLimit.forFileLimit(limit);
            assertThat(3L * cap + Math.min(512, limit / 4)).as("limit %d", limit).isLessThanOrEqualTo(limit);
            assertThat(cap).as("limit %d", limit).isGreaterThanOrEqualTo(previous);
            previous = cap;
        }
    }

    @Test
    void theGatewaysDefaultComesFromThisProcesssFileLimit() {
        long limit = ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
                ? unix.getMaxFileDescriptorCount() : 0;

        assertThat(Gateway.builder().build().maxConcurrentRequests()).isEqualTo(ConcurrencyLimit.forFileLimit(limit));
        assertThat(Gateway.builder().maxConcurrentRequests(20_000).build().maxConcurrentRequests()).isEqualTo(20_000);
    }
}
