package dev.portico.undertow;

import io.undertow.server.RequestTooBigException;
import org.xnio.conduits.StreamSourceConduit;

import java.io.IOException;

/** A request body source that fails with {@link RequestTooBigException} once more than a bound has been read. */
final class LimitedSourceConduit extends ReadObservingConduit {

    private final long max;
    private long total;

    LimitedSourceConduit(StreamSourceConduit next, long max) {
        super(next);
        this.max = max;
    }

    @Override
    void read(long result) throws IOException {
        if (result > 0 && (total += result) > max) {
            throw new RequestTooBigException("request body exceeds " + max + " bytes");
        }
    }
}
