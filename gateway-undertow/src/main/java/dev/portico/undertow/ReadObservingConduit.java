package dev.portico.undertow;

import org.xnio.IoUtils;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.ConduitReadableByteChannel;
import org.xnio.conduits.StreamSourceConduit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** A request body source that reports every read's result to {@link #read(long)}, transfers included. */
abstract class ReadObservingConduit extends AbstractStreamSourceConduit<StreamSourceConduit> {

    ReadObservingConduit(StreamSourceConduit next) {
        super(next);
    }

    /** Sees a read's result: bytes read, 0, or -1 at the end of the body; may fail the read by throwing. */
    abstract void read(long result) throws IOException;

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int n = next.read(dst);
        read(n);
        return n;
    }

    @Override
    public long read(ByteBuffer[] dsts, int offs, int len) throws IOException {
        long n = next.read(dsts, offs, len);
        read(n);
        return n;
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
