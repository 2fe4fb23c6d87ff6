package dev.portico.core.upstream;

import dev.portico.core.Context;
import dev.portico.core.Request;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Smooth weighted round robin (nginx's): every pick adds each candidate's weight to its running score, takes the
 * highest, and takes the total off the winner, so that picks interleave and each instance gets its weight's share.
 * It forgets an instance's score when the instance leaves its upstream.
 */
final class WeightedRoundRobin implements LoadBalancer, ForgetsInstances {

    private final Map<Endpoint, long[]> scores = new HashMap<>(); // guarded by this

    @Override
    public Endpoint choose(List<Endpoint> endpoints, Request request, Context context) {
        if (endpoints.size() == 1) {
            return endpoints.get(0);
        }
        synchronized (this) {
            Endpoint best = null;
            long[] bestScore = null;
            long total = 0;
            for (int i = 0, n = endpoints.size(); i < n; i++) {
                Endpoint endpoint = endpoints.get(i);
                long[] score = scores.get(endpoint);
                if (score == null) {
                    score = new long[1];
                    scores.put(endpoint, score);
                }
                score[0] += endpoint.weight();
                total += endpoint.weight();
                if (bestScore == null || score[0] > bestScore[0]) {
                    best = endpoint;
                    bestScore = score;
                }
            }
            bestScore[0] -= total;
            return best;
        }
    }

    @Override
    public synchronized void forget(Endpoint endpoint) {
        scores.remove(endpoint);
    }

    /** Returns how many instances it keeps a score for, for tests. */
    synchronized int tracked() {
        return scores.size();
    }
}
