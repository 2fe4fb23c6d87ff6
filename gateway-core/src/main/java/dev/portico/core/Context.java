package dev.portico.core;

import dev.portico.core.upstream.SendOptions;
import dev.portico.core.upstream.Upstream;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * What the gateway knows about one request beyond the request itself: the matched route and its path captures,
 * the client, typed attributes that filters share, how the request ends, and the way to call upstreams.
 */
public interface Context {

    /**
     * Returns the route that matched the request, or {@code null} while edge filters run before routing, and when no
     * route matched (an edge filter sees it after {@code chain.proceed} completes).
     */
    Route route();

    /** Returns the decoded value of a path capture such as {@code {id}}, or {@code null}. */
    String pathParam(String name);

    /** Returns every path capture by name. */
    Map<String, String> pathParams();

    /** Returns the TCP peer of the gateway's connection. */
    InetSocketAddress peerAddress();

    /**
     * Returns the client's address: the peer, unless the peer is a trusted proxy, in which case the nearest
     * untrusted address its {@code X-Forwarded-For} names.
     */
    InetSocketAddress clientAddress();

    /**
     * Registers a listener called exactly once when the request is over, after the last byte of the response was
     * sent or the client went away, with how it ended; listeners run in registration order on an IO thread, must
     * not block, and what they throw is logged and ignored.
     */
    void onComplete(Consumer<Completion> listener);

    /**
     * Returns the request's id (by default from {@code X-Request-Id}: the client's when sane, else generated), or
     * {@code null} when request ids are off.
     */
    default String requestId() {
        return null;
    }

    /**
     * Returns the clock and timer this request reads and schedules by: its gateway's {@link TimeSource} (a test
     * harness's controllable one in tests); filters that read the time (token expiry) read it here.
     */
    default TimeSource time() {
        return TimeSource.system();
    }

    /** Returns an attribute, or {@code null}. */
    <T> T get(AttributeKey<T> key);

    /** Sets an attribute; {@code null} removes it. */
    <T> void put(AttributeKey<T> key, T value);

    /**
     * Sends a request to one instance of an upstream, as the route's own proxying does: the upstream's load balancer
     * chooses the instance, hop-by-hop headers are removed, forwarding headers are set, and the route's timeouts and
     * body limit apply. The stage fails with a 502 or 504 {@link GatewayException} when the upstream cannot answer;
     * cancelling it aborts the call and frees its connection.
     */
    default CompletionStage<Response> send(Upstream upstream, Request request) {
        return send(upstream, request, SendOptions.defaults());
    }

    /** Sends a request to one instance of an upstream, with options that override the route's for this call. */
    CompletionStage<Response> send(Upstream upstream, Request request, SendOptions options);
}
