package dev.portico.benchmarks;

import dev.portico.undertow.internal.buffer.IoBufferPool;
import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.DefaultByteBufferPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * One IO thread taking a direct buffer and giving it back, as the listener does for each read and write: Undertow's
 * {@code DefaultByteBufferPool}, whose thread cache sits in a synchronized map keyed by thread, against
 * {@link IoBufferPool}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BufferPoolBenchmark {

    /** The pool measured: {@code undertow} or {@code portico}, as the listener configures each. */
    @Param({"undertow", "portico"})
    public String pool;

    private ByteBufferPool buffers;

    @Setup(Level.Trial)
    public void setUp() {
        buffers = pool.equals("undertow")
                ? new DefaultByteBufferPool(true, 16 * 1024 - 20, -1, 4)
                : new IoBufferPool(true, 16 * 1024 - 20, 16, 32);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        buffers.close();
    }

    @Benchmark
    public int allocateAndClose() {
        PooledByteBuffer pooled = buffers.allocate();
        int capacity = pooled.getBuffer().capacity();
        pooled.close();
        return capacity;
    }

    /** Two buffers held at once, as a request read while its response is written. */
    @Benchmark
    public int allocateTwoAndClose() {
        PooledByteBuffer read = buffers.allocate();
        PooledByteBuffer write = buffers.allocate();
        int capacity = read.getBuffer().capacity() + write.getBuffer().capacity();
        write.close();
        read.close();
        return capacity;
    }
}
