package dev.portico.undertow.internal.buffer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class PerIoThreadTest {

    private final List<XnioWorker> workers = new ArrayList<>();
    private final AtomicInteger made = new AtomicInteger();
    private final PerIoThread<Object> values = new PerIoThread<>(() -> "value " + made.incrementAndGet());

    @AfterEach
    void stopWorkers() {
        workers.forEach(XnioWorker::shutdownNow);
    }

    private XnioWorker worker(int threads) throws Exception {
        XnioWorker worker = Xnio.getInstance().createWorker(OptionMap.create(Options.WORKER_IO_THREADS, threads));
        workers.add(worker);
        return worker;
    }

    private static Object on(XnioIoThread thread, PerIoThread<Object> values) throws Exception {
        CompletableFuture<Object> value = new CompletableFuture<>();
        thread.execute(() -> value.complete(values.get()));
        return value.get(5, TimeUnit.SECONDS);
    }

    @Test
    void eachIoThreadKeepsItsOwnValue() throws Exception {
        XnioWorker worker = worker(2);
        XnioIoThread first = worker.getIoThread(0);
        XnioIoThread second = worker.getIoThread(1);

        Object a = on(first, values);
        Object b = on(second, values);

        assertThat(a).isNotEqualTo(b);
        assertThat(on(first, values)).isSameAs(a);
        assertThat(on(second, values)).isSameAs(b);
        assertThat(made).hasValue(2);
    }

    @Test
    void otherThreadsAndTheSameNumberInAnotherWorkerGetTheirOwn() throws Exception {
        XnioIoThread one = worker(1).getIoThread(0);
        XnioIoThread other = worker(1).getIoThread(0);
        assertThat(one.getNumber()).isEqualTo(other.getNumber());

        Object a = on(one, values);
        Object b = on(other, values);
        Object here = values.get();

        assertThat(a).isNotEqualTo(b).isNotEqualTo(here);
        assertThat(on(one, values)).isSameAs(a);
        assertThat(on(other, values)).isSameAs(b);
        assertThat(values.get()).isSameAs(here);
        assertThat(made).hasValue(3);
    }

    @Test
    void aValueSetIsTheOneThatThreadGetsNext() throws Exception {
        XnioIoThread io = worker(1).getIoThread(0);
        Object before = on(io, values);

        CompletableFuture<Object> replaced = new CompletableFuture<>();
        io.execute(() -> {
            values.set("replaced on the IO thread");
            replaced.complete(values.get());
        });
        values.set("replaced here");

        assertThat(replaced.get(5, TimeUnit.SECONDS)).isEqualTo("replaced on the IO thread").isNotEqualTo(before);
        assertThat(on(io, values)).isEqualTo("replaced on the IO thread");
        assertThat(values.get()).isEqualTo("replaced here");
    }
}
