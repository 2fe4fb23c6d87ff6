package dev.portico.core.internal;

import dev.portico.core.Context;
import dev.portico.core.Handler;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.Upstream;

import java.util.concurrent.CompletionStage;

/** The target of a route that proxies to an upstream. */
public final class UpstreamHandler implements Handler {

    private final Upstream upstream;

    public UpstreamHandler(Upstream upstream) {
        this.upstream = upstream;
    }

    @Override
    public CompletionStage<Response> handle(Request request, Context context) {
        return context.send(upstream, request);
    }

    @Override
    public String toString() {
        return "proxy to " + upstream.name();
    }
}
