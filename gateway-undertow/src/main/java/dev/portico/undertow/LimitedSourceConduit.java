package dev.portico.undertow;

import io.undertow.server.RequestTooBigException;
import org.xnio.IoUtils;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.ConduitReadableByteChannel;
import org.xnio.conduits.StreamSourceConduit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** A request body source that fails with {@link RequestTooBigException} once more than a bound has been read. */
final class LimitedSourceConduit extends AbstractStreamSourceConduit<StreamSourceConduit> {

    private final long max;
    private long total;

    LimitedSourceConduit(StreamSourceConduit next, long max) {
        super(next);
        this.max = max;
    }

    private <T extends Number> T count(T read) throws IOException {
        long n = read.longValue();
        if (n > 0 && (total += n) > max) {
            throw new RequestTooBigException("request body exceeds " + max + " bytes");
        }
        return read;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return count(next.read(dst));
    }

    @Override
    public long read(ByteBuffer[] dsts, int offs, int len) throws IOException {
        return count(next.read(dsts, offs, len));
    }

    @Override
    public long transferTo(long position, long count, FileChannel target) throws IOException {
        return target.transferFrom(new ConduitReadableByteChannel(this), position, count);
    }

    @Override
    public long transferTo(long count, ByteBuffer throughBuffer, StreamSinkChannel target) throws IOException {
        return IoUtils.transfer(new ConduitReadableByteChannel(this), count, throughBuffer, target);
    }
}
