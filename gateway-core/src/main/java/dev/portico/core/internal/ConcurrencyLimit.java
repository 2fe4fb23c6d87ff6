package dev.portico.core.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * The default cap on in-flight requests, derived from the process's file descriptor limit so that the cap, answered
 * with 503, is reached before the descriptors run out and new connections silently wait to be accepted.
 */
public final class ConcurrencyLimit {

    /** The highest default, whatever the file limit. */
    public static final int CEILING = 10_000;

    /** The descriptors kept for the JVM (class path, selectors, logs) and the listener, at most. */
    private static final long RESERVE = 512;

    private ConcurrencyLimit() {
    }

    /**
     * Returns the default for this file descriptor limit ({@code <= 0} when unknown): each in-flight request holds a
     * client and an upstream connection, and idle keep-alive and pooled connections take about one more, so a third
     * of what is left after a reserve (512, or a quarter of a smaller limit), at least 1 and at most 10,000.
     */
    public static int forFileLimit(long maxFileDescriptors) {
        if (maxFileDescriptors <= 0) {
            return CEILING;
        }
        long reserve = Math.min(RESERVE, maxFileDescriptors / 4);
        return (int) Math.max(1, Math.min(CEILING, (maxFileDescriptors - reserve) / 3));
    }

    /** Returns the default for this process: from its file limit where the JVM reports one, else 10,000. */
    public static int forThisProcess() {
        try {
            OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            return forFileLimit(os instanceof com.sun.management.UnixOperatingSystemMXBean unix
                    ? unix.getMaxFileDescriptorCount() : 0);
        } catch (LinkageError | RuntimeException noManagement) {
            return CEILING; // a runtime image without java.management or jdk.management
        }
    }
}
