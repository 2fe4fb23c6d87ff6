package dev.portico.core.internal.pipeline;

import dev.portico.core.GatewayException;
import dev.portico.core.Request;
import dev.portico.core.Response;
import dev.portico.core.TimeSource;
import dev.portico.core.internal.CoreAccess;
import dev.portico.core.resilience.CircuitBreaker;
import dev.portico.core.resilience.RetryPolicy;
import dev.portico.core.upstream.Endpoint;
import dev.portico.core.upstream.SendOptions;
import dev.portico.core.upstream.Upstream;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Future;

/**
 * One upstream call under its policies: the upstream's request cap, its circuit breaker, and the retry policy (each
 * retry on an instance not tried yet, after a backoff on the gateway's timer, within the call's deadline and the
 * upstream's retry budget). Completes once, with the last answer or failure; a retried response's body is
 * discarded. Its steps run on IO threads (outcomes; the retries and the deadline, which the timer only hands
 * to the transport's executor) and on the caller's (cancellation), so its state is guarded by its monitor, and
 * nothing is called out while holding it.
 */
final class Attempts {

    private static final CoreAccess.UpstreamAccess UPSTREAMS = CoreAccess.upstreams();

    private final Pipeline pipeline;
    private final Upstream upstream;
    private final Request request;
    private final SendOptions options;
    private final RetryPolicy policy;
    private final CircuitBreaker breaker;
    private final Executor executor;
    private final TimeSource time;
    private final Duration connectTimeout;
    private final Duration timeout;
    private final long started;
    private final long deadline;
    private final CompletableFuture<Response> result = new CompletableFuture<>();

    private Set<Endpoint> tried = Set.of(); // only touched by attempt(), and attempts never overlap

    // guarded by this
    private boolean over;
    private int attempts;
    private Try current;
    private boolean retryHeld;
    private Future<?> backoff;
    private long backoffPermission;
    private Future<?> expiry;

    /** One try: its start, its breaker permission, and whether its outcome was already given to the breaker. */
    private static final class Try {
        final long started;
        final boolean retry;
        final long permission;
        CompletableFuture<Response> sent;
        boolean judged;

        Try(long started, boolean retry, long permission) {
            this.started = started;
            this.retry = retry;
            this.permission = permission;
        }
    }

    /** A call under these policies; {@code policy} is {@link RetryPolicy#none()} unless it {@link #retries} it. */
    Attempts(Pipeline pipeline, Upstream upstream, Request request, SendOptions options, RetryPolicy policy,
             Duration connectTimeout, Duration timeout) {
        this.pipeline = pipeline;
        this.upstream = upstream;
        this.request = request;
        this.options = options;
        this.policy = policy;
        this.breaker = upstream.circuitBreaker();
        this.executor = pipeline.executor();
        this.time = pipeline.time();
        this.started = time.nanoTime();
        this.connectTimeout = connectTimeout;
        this.timeout = timeout;
        // only a call that may be retried has a deadline of its own: any other is bounded by the transport's
        // timeouts, whose response timeout starts once the whole request is sent (a long upload is not cut)
        this.deadline = policy.maxAttempts() > 1 ? started + timeout.toNanos() : 0;
    }

    /**
     * Returns whether this policy may retry this request: more than one attempt, a retried method, and a body that
     * can be sent again (buffered, or empty).
     */
    static boolean retries(RetryPolicy policy, Request request) {
        return policy.maxAttempts() > 1 && policy.retriesMethod(request.method())
                && (request.body().isBuffered() || request.body().length() == 0);
    }

    /** Starts the call; returns its stage, whose cancellation aborts the attempt in flight. */
    CompletableFuture<Response> start() {
        if (!UPSTREAMS.admit(upstream)) {
            return CompletableFuture.failedFuture(GatewayException.serviceUnavailable(
                    "upstream " + upstream.name() + " is at its request limit"));
        }
        result.whenComplete((response, failure) -> ended(null)); // the caller cancelled it
        if (deadline != 0) {
            Future<?> task = time.schedule(() -> handOff(this::expire), timeout);
            synchronized (this) {
                expiry = task;
            }
            if (over()) {
                task.cancel(false);
            }
        }
        long permission = breaker != null ? breaker.tryAcquirePermission() : 0;
        if (permission == CircuitBreaker.NO_PERMISSION) {
            refusedByBreaker();
        } else {
            attempt(false, permission);
        }
        return result;
    }

    /** Makes an attempt, the breaker's permission (if any) already granted. */
    private void attempt(boolean retry, long permission) {
        if (over()) {
            release(permission);
            return;
        }
        Duration connect = connectTimeout;
        Duration response = timeout;
        if (deadline != 0) {
            long left = deadline - time.nanoTime();
            if (left <= 0) { // the backoff's timer ran late
                release(permission);
                deliver(null, lateness());
                return;
            }
            Duration remaining = Duration.ofNanos(left);
            connect = min(connect, remaining);
            response = min(policy.perTryTimeout() != null ? policy.perTryTimeout() : response, remaining);
        }
        Try attempt = new Try(time.nanoTime(), retry, permission);
        int resend;
        synchronized (this) {
            resend = attempts++;
            current = attempt;
        }
        CompletableFuture<Response> sent;
        try {
            // attempts follow one another, each started after the last ended, so tried needs no lock
            Endpoint endpoint = upstream.choose(request, pipeline, tried);
            if (deadline != 0) {
                if (tried.isEmpty()) {
                    tried = new HashSet<>(4);
                }
                tried.add(endpoint);
            }
            sent = pipeline.attempt(upstream, endpoint, request, options, connect, response, resend);
        } catch (Throwable t) {
            sent = CompletableFuture.failedFuture(t); // a balancer's or transport's bug ends the call, never leaks it
        }
        synchronized (this) {
            attempt.sent = sent;
        }
        if (over()) {
            sent.cancel(false); // ended (cancelled, or past the deadline) while this attempt was being sent
        }
        sent.whenComplete((answer, failure) -> settled(attempt, answer, failure));
    }

    /** One attempt ended: tell the breaker, then retry or answer. */
    private void settled(Try attempt, Response answer, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        judge(attempt, answer, cause);
        if (attempt.retry) {
            endRetry();
        }
        if (over() || cause instanceof CancellationException) {
            if (answer != null) {
                answer.body().discard(); // nobody will read it
            }
            return;
        }
        long delay = 0;
        boolean again = deadline != 0 && retryable(answer, cause);
        synchronized (this) {
            again &= attempts < policy.maxAttempts();
        }
        if (again) {
            delay = policy.backoffNanos(attempts);
            again = time.nanoTime() + delay - deadline < 0 && startRetry();
        }
        long permission = 0;
        if (again && breaker != null && (permission = breaker.tryAcquirePermission()) == CircuitBreaker.NO_PERMISSION) {
            endRetry();
            again = false; // the breaker opened meanwhile: the last answer stands
        }
        if (!again) {
            deliver(answer, cause);
            return;
        }
        if (answer != null) {
            answer.body().discard(); // frees its connection: drained if the rest is at hand, else closed
        }
        if (delay == 0) {
            attempt(true, permission);
            return;
        }
        long granted = permission;
        Future<?> task = time.schedule(() -> handOff(() -> attempt(true, granted)), Duration.ofNanos(delay));
        synchronized (this) {
            backoff = task;
            backoffPermission = permission;
        }
        if (over() && task.cancel(false)) {
            release(permission); // the retry will not run: give back its permission
        }
    }

    /** Whether this outcome may be retried: a transport failure (502, 504) or a retried status. */
    private boolean retryable(Response answer, Throwable cause) {
        if (answer != null) {
            return policy.retriesStatus(answer.status());
        }
        return cause instanceof GatewayException e && (e.status() == 502 || e.status() == 504);
    }

    /** Gives the breaker this attempt's outcome, once: 5xx and transport failures fail, cancellations do not count. */
    private void judge(Try attempt, Response answer, Throwable cause) {
        if (breaker == null) {
            return;
        }
        synchronized (this) {
            if (attempt.judged) {
                return;
            }
            attempt.judged = true;
        }
        Duration elapsed = Duration.ofNanos(time.nanoTime() - attempt.started);
        if (answer != null ? answer.status() >= 500 : retryable(null, cause)) {
            breaker.onFailure(attempt.permission, elapsed);
        } else if (answer != null) {
            breaker.onSuccess(attempt.permission, elapsed);
        } else {
            breaker.releasePermission(attempt.permission);
        }
    }

    private boolean startRetry() {
        if (!UPSTREAMS.startRetry(upstream)) {
            return false;
        }
        boolean kept;
        synchronized (this) {
            kept = !over;
            retryHeld = kept;
        }
        if (!kept) {
            UPSTREAMS.endRetry(upstream);
        }
        return kept;
    }

    private void endRetry() {
        boolean held;
        synchronized (this) {
            held = retryHeld;
            retryHeld = false;
        }
        if (held) {
            UPSTREAMS.endRetry(upstream);
        }
    }

    private void refusedByBreaker() {
        if (breaker.fallback() == null) {
            deliver(null, GatewayException.serviceUnavailable(breaker.retryAfter(),
                    "upstream " + upstream.name() + " is unavailable (circuit open)"));
            return;
        }
        try {
            breaker.fallback().handle(request, pipeline).whenComplete((answer, failure) -> deliver(answer, failure));
        } catch (Throwable t) {
            deliver(null, t);
        }
    }

    /** Ends the call with this answer or failure; the call's slots are free before anyone hears it. */
    private void deliver(Response answer, Throwable failure) {
        ended(null);
        if (failure != null) {
            result.completeExceptionally(failure);
        } else if (!result.complete(answer) && answer != null) {
            answer.body().discard();
        }
    }

    /**
     * The call's deadline passed: the attempt in flight fails the breaker's test and is aborted as timed out (so the
     * transport reports a timeout, which outlier detection counts, not a cancellation); the caller gets 504.
     */
    private void expire() {
        Try attempt;
        synchronized (this) {
            attempt = current;
        }
        if (over()) {
            return;
        }
        GatewayException late = lateness();
        if (attempt != null) {
            judge(attempt, null, late);
        }
        ended(late);
        deliver(null, late);
    }

    private GatewayException lateness() {
        return GatewayException.gatewayTimeout("upstream " + upstream.name() + " did not answer within "
                + timeout.toMillis() + " ms");
    }

    /**
     * The call is over: frees the cap's slot and a retry's, stops the timers, aborts an attempt still in flight:
     * fails it with {@code timeout}, or cancels it when that is {@code null}.
     */
    private void ended(GatewayException timeout) {
        CompletableFuture<Response> sent;
        Future<?> waiting;
        long waitingPermission;
        Future<?> timer;
        synchronized (this) {
            if (over) {
                return;
            }
            over = true;
            sent = current != null ? current.sent : null;
            waiting = backoff;
            waitingPermission = backoffPermission;
            timer = expiry;
        }
        UPSTREAMS.release(upstream);
        endRetry();
        if (waiting != null && waiting.cancel(false)) {
            release(waitingPermission); // the retry waiting for its backoff will not run: give back its permission
        }
        if (timer != null) {
            timer.cancel(false);
        }
        if (sent != null && !sent.isDone()) {
            // aborts the call on its IO thread; a late answer is discarded in settled
            if (timeout != null) {
                sent.completeExceptionally(timeout);
            } else {
                sent.cancel(false);
            }
        }
    }

    /** Runs a step the timer started on the transport's executor; on the timer thread should that refuse it. */
    private void handOff(Runnable step) {
        try {
            executor.execute(step);
        } catch (RejectedExecutionException e) {
            step.run(); // the IO thread is gone: the step still ends the call rather than leave it hanging
        }
    }

    private synchronized boolean over() {
        return over;
    }

    private void release(long permission) {
        if (breaker != null) {
            breaker.releasePermission(permission);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
