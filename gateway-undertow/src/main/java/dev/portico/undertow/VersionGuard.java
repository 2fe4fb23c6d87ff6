package dev.portico.undertow;

import dev.portico.core.GatewayException;
import io.undertow.server.AbstractServerConnection;
import io.undertow.server.HttpServerExchange;
import org.xnio.IoUtils;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.ConduitReadableByteChannel;
import org.xnio.conduits.StreamSourceConduit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The source of a {@link PorticoServer} connection, under Undertow's parser, that sees every byte read from the
 * client, unchanged, and tells {@link PorticoHandler} which request to refuse for its version. Undertow reads any
 * well-formed {@code HTTP/d.d} other than 0.9, 1.0, 1.1 and 2.0 as HTTP/1.1 without keeping the text, so the check
 * must come before it: a {@link HeadScanner} follows the connection's heads and framing, and the handler counts
 * the requests it starts on the connection. Both run on the connection's IO thread, one at a time. A chunked body
 * that breaks RFC 9112 7.1, which Undertow's chunk reader would take leniently, fails its read and every read after
 * it: the request's body cannot be read, and the connection closes before anything behind it is served.
 */
final class VersionGuard extends AbstractStreamSourceConduit<StreamSourceConduit> {

    private final HeadScanner heads = new HeadScanner();
    private long started;

    VersionGuard(StreamSourceConduit next) {
        super(next);
    }

    /**
     * Returns the refusal of this exchange's request, the next on its connection: 505 for its version, 400 for a
     * framing field continued on a folded line; or {@code null}. Call once for every request as it starts. Always
     * {@code null} on a connection without a guard (a mounted handler's).
     */
    static GatewayException refusal(HttpServerExchange exchange) {
        if (!(exchange.getConnection() instanceof AbstractServerConnection connection
                && connection.getOriginalSourceConduit() instanceof VersionGuard guard)
                || ++guard.started != guard.heads.refusedHead()) {
            return null;
        }
        return guard.heads.refusedForFolding()
                ? GatewayException.badRequest("a framing field (Content-Length, Transfer-Encoding) is continued on a "
                        + "folded line")
                : new GatewayException(505, "http_version_not_supported", "only HTTP/1.0 and HTTP/1.1 are supported");
    }

    /**
     * Makes the exchange's connection pass read suspensions straight on until the exchange completes, for a request
     * whose body is read with backpressure; nothing for a connection without a guard.
     */
    static void eagerSuspension(HttpServerExchange exchange) {
        if (exchange.getConnection() instanceof AbstractServerConnection connection
                && connection.getOriginalSourceConduit() instanceof VersionGuard guard
                && guard.next instanceof LazySuspendConduit reads) {
            reads.eager();
            exchange.addExchangeCompleteListener((ex, next) -> {
                reads.lazy();
                next.proceed();
            });
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        refuseMalformed();
        int from = dst.position();
        int n = next.read(dst);
        if (n > 0 && heads.following()) {
            heads.scan(dst, from, from + n);
            if (heads.malformed()) {
                dst.position(from); // none of it is given to the parser
                refuseMalformed();
            }
        }
        return n;
    }

    private void refuseMalformed() throws IOException {
        if (heads.malformed()) {
            throw new IOException("the request's chunked body is malformed (RFC 9112 7.1)");
        }
    }

    @Override
    public long read(ByteBuffer[] dsts, int offs, int len) throws IOException {
        refuseMalformed();
        if (!heads.following()) {
            return next.read(dsts, offs, len);
        }
        for (int i = offs; i < offs + len; i++) {
            if (dsts[i].hasRemaining()) {
                return read(dsts[i]); // one buffer at a time: a short read is a valid read
            }
        }
        return 0;
    }

    @Override
    public long transferTo(long position, long count, FileChannel target) throws IOException {
        refuseMalformed();
        if (!heads.following()) {
            return next.transferTo(position, count, target);
        }
        long body = heads.skippable();
        if (body > 0) { // a drained body of known length: passed on unseen
            long n = next.transferTo(position, Math.min(count, body), target);
            if (n > 0) {
                heads.skipped(n);
            }
            return n;
        }
        return target.transferFrom(new ConduitReadableByteChannel(this), position, count);
    }

    @Override
    public long transferTo(long count, ByteBuffer throughBuffer, StreamSinkChannel target) throws IOException {
        refuseMalformed();
        return heads.following()
                ? IoUtils.transfer(new ConduitReadableByteChannel(this), count, throughBuffer, target)
                : next.transferTo(count, throughBuffer, target);
    }
}
