package dev.portico.undertow.internal.buffer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xnio.ChannelPipe;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;
import org.xnio.conduits.ConduitStreamSourceChannel;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class WriteBatchTest {

    private XnioWorker worker;

    @AfterEach
    void stopWorker() {
        worker.shutdownNow();
    }

    private XnioIoThread ioThread() throws Exception {
        worker = Xnio.getInstance().createWorker(OptionMap.create(Options.WORKER_IO_THREADS, 1));
        return worker.getIoThread(0);
    }

    @Test
    void writesDeferredWhileABatchIsHandledRunAfterTheWholeBatch() throws Exception {
        XnioIoThread thread = ioThread();
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(4);
        List<ChannelPipe<StreamConnection, StreamConnection>> pipes = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            ChannelPipe<StreamConnection, StreamConnection> pipe = thread.createFullDuplexPipeConnection();
            pipes.add(pipe);
            ConduitStreamSourceChannel source = pipe.getLeftSide().getSourceChannel();
            source.getReadSetter().set(channel -> {
                try {
                    channel.read(ByteBuffer.allocate(16));
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
                events.add("read " + name);
                done.countDown();
                WriteBatch.defer(thread, () -> {
                    events.add("write " + name);
                    done.countDown();
                });
            });
            on(thread, source::resumeReads);
        }
        CountDownLatch go = new CountDownLatch(1);
        thread.execute(() -> await(go)); // hold the thread so both channels are ready in its next select
        for (ChannelPipe<StreamConnection, StreamConnection> pipe : pipes) {
            pipe.getRightSide().getSinkChannel().write(ByteBuffer.wrap(new byte[] {1}));
        }
        go.countDown();

        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(events.subList(0, 2)).containsExactlyInAnyOrder("read a", "read b");
        assertThat(events.subList(2, 4)).containsExactly("write " + events.get(0).substring(5),
                "write " + events.get(1).substring(5));
    }

    @Test
    void theWriteThatFillsABatchRunsItAtOnce() throws Exception {
        XnioIoThread thread = ioThread();
        List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
        List<Integer> seen = new ArrayList<>();
        on(thread, () -> {
            for (int i = 0; i < WriteBatch.MAX - 1; i++) {
                int n = i;
                WriteBatch.defer(thread, () -> ran.add(n));
            }
            seen.add(ran.size());
            WriteBatch.defer(thread, () -> ran.add(WriteBatch.MAX - 1));
            seen.add(ran.size());
            WriteBatch.defer(thread, () -> ran.add(WriteBatch.MAX));
            seen.add(ran.size());
        });
        on(thread, () -> { });

        assertThat(seen).containsExactly(0, WriteBatch.MAX, WriteBatch.MAX);
        assertThat(ran).hasSize(WriteBatch.MAX + 1).isSorted();
    }

    @Test
    void aFailingWriteStopsNeitherTheOthersNorLaterBatches() throws Exception {
        XnioIoThread thread = ioThread();
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        on(thread, () -> {
            WriteBatch.defer(thread, () -> {
                throw new IllegalStateException("broken");
            });
            WriteBatch.defer(thread, () -> ran.add("after the failure"));
        });
        on(thread, () -> WriteBatch.defer(thread, () -> ran.add("next batch")));
        on(thread, () -> { }); // the batches deferred above have run once this task has

        assertThat(ran).containsExactly("after the failure", "next batch");
    }

    @Test
    void aWriteDeferredByADeferredWriteRunsInTheSamePass() throws Exception {
        XnioIoThread thread = ioThread();
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        on(thread, () -> WriteBatch.defer(thread, () -> {
            ran.add("first");
            WriteBatch.defer(thread, () -> ran.add("second"));
        }));
        on(thread, () -> { });

        assertThat(ran).containsExactly("first", "second");
    }

    /** Runs a task on the thread and waits for it. */
    private static void on(XnioIoThread thread, Runnable task) throws Exception {
        CompletableFuture<Void> ran = new CompletableFuture<>();
        thread.execute(() -> {
            task.run();
            ran.complete(null);
        });
        ran.get(5, TimeUnit.SECONDS);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
