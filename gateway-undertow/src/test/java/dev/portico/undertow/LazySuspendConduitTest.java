package dev.portico.undertow;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.ConduitStreamSourceChannel;
import org.xnio.conduits.ReadReadyHandler;
import org.xnio.conduits.StreamSourceConduit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Over a real socket: what a lazy suspension passes on to the socket, and what the layers above see. */
class LazySuspendConduitTest {

    private XnioWorker worker;
    private ServerSocket server;
    private Socket peer;
    private StreamConnection connection;
    private Counting socket;
    private ConduitStreamSourceChannel channel;
    private final LinkedBlockingQueue<Integer> reads = new LinkedBlockingQueue<>();

    /** The socket's own conduit, counting the suspensions and resumptions that reach it. */
    private static final class Counting extends AbstractStreamSourceConduit<StreamSourceConduit> {
        final AtomicInteger suspends = new AtomicInteger();
        final AtomicInteger resumes = new AtomicInteger();

        Counting(StreamSourceConduit next) {
            super(next);
        }

        @Override
        public void suspendReads() {
            suspends.incrementAndGet();
            super.suspendReads();
        }

        @Override
        public void resumeReads() {
            resumes.incrementAndGet();
            super.resumeReads();
        }
    }

    @BeforeEach
    void connect() throws Exception {
        worker = Xnio.getInstance().createWorker(OptionMap.create(Options.WORKER_IO_THREADS, 1));
        server = new ServerSocket(0);
        connection = worker.openStreamConnection(new InetSocketAddress("127.0.0.1", server.getLocalPort()), null,
                OptionMap.EMPTY).get();
        peer = server.accept();
        channel = connection.getSourceChannel();
        socket = new Counting(channel.getConduit());
        onIoThread(() -> {
            channel.setConduit(new LazySuspendConduit(socket));
            channel.getConduit().setReadReadyHandler(new ReadReadyHandler.ChannelListenerHandler<>(channel));
            channel.getReadSetter().set(c -> {
                ByteBuffer buffer = ByteBuffer.allocate(16);
                try {
                    int n = c.read(buffer);
                    if (n != 0) {
                        reads.add(n);
                    }
                } catch (IOException e) {
                    reads.add(-2);
                }
            });
            return null;
        });
    }

    @AfterEach
    void close() throws IOException {
        connection.close();
        peer.close();
        server.close();
        worker.shutdownNow();
    }

    private <T> T onIoThread(Callable<T> task) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        connection.getIoThread().execute(() -> {
            try {
                result.complete(task.call());
            } catch (Exception e) {
                result.completeExceptionally(e);
            }
        });
        return result.get(5, TimeUnit.SECONDS);
    }

    @Test
    void aSuspensionAndResumptionWithNothingSentInBetweenNeverReachTheSocket() throws Exception {
        onIoThread(() -> {
            channel.resumeReads();
            return null;
        });
        int resumesBefore = socket.resumes.get();
        for (int i = 0; i < 100; i++) {
            onIoThread(() -> {
                channel.suspendReads();
                assertThat(channel.isReadResumed()).isFalse();
                return null;
            });
            onIoThread(() -> {
                channel.resumeReads();
                assertThat(channel.isReadResumed()).isTrue();
                return null;
            });
        }

        assertThat(socket.suspends.get()).isZero();
        assertThat(socket.resumes.get()).isEqualTo(resumesBefore);
        peer.getOutputStream().write(1);
        assertThat(reads.poll(5, TimeUnit.SECONDS)).as("still reading when resumed").isEqualTo(1);
    }

    @Test
    void bytesThatArriveWhileSuspendedAreNotDeliveredUntilResumedAndSuspendTheSocketOnce() throws Exception {
        onIoThread(() -> {
            channel.resumeReads();
            channel.suspendReads();
            return null;
        });
        peer.getOutputStream().write(new byte[] {1, 2, 3});

        assertThat(reads.poll(300, TimeUnit.MILLISECONDS)).as("nothing delivered while suspended").isNull();
        assertThat(socket.suspends.get()).as("the arrival suspended the socket itself").isEqualTo(1);
        int resumesBefore = socket.resumes.get();
        onIoThread(() -> {
            channel.resumeReads();
            return null;
        });
        assertThat(reads.poll(5, TimeUnit.SECONDS)).isEqualTo(3);
        assertThat(socket.resumes.get()).isEqualTo(resumesBefore + 1);
    }

    @Test
    void eagerSuspensionsReachTheSocketAtOnceUntilLazyAgain() throws Exception {
        LazySuspendConduit lazy = (LazySuspendConduit) channel.getConduit();
        onIoThread(() -> {
            channel.resumeReads();
            channel.suspendReads();
            lazy.eager(); // a request with a body starts: the suspension in effect goes through now
            return null;
        });
        assertThat(socket.suspends.get()).isEqualTo(1);
        onIoThread(() -> {
            channel.resumeReads();
            channel.suspendReads();
            lazy.lazy();
            channel.resumeReads();
            channel.suspendReads();
            return null;
        });

        assertThat(socket.suspends.get()).as("one more while eager, none once lazy").isEqualTo(2);
    }

    @Test
    void callsFromAnotherThreadOnceTheIoThreadHasStoppedAreDroppedWithoutThrowing() throws Exception {
        worker.shutdownNow();
        assertThat(worker.awaitTermination(5, TimeUnit.SECONDS)).isTrue();

        channel.resumeReads();
        channel.suspendReads();
        channel.wakeupReads();
    }
}
