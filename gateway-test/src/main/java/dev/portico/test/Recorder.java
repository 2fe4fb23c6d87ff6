package dev.portico.test;

import dev.portico.core.Request;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the stubbed upstreams received, and the mistakes of the test itself (an upstream without a stub, a stub that threw). */
final class Recorder {

    private final Map<String, List<Request>> received = new LinkedHashMap<>();
    private final List<AssertionError> problems = new ArrayList<>();

    synchronized void received(String upstream, Request request) {
        received.computeIfAbsent(upstream, name -> new ArrayList<>()).add(request);
    }

    synchronized List<Request> requests(String upstream) {
        return List.copyOf(received.getOrDefault(upstream, List.of()));
    }

    /** Notes a call to an upstream the test gave no stub. */
    void missing(String upstream, Request request) {
        problem(new AssertionError("the gateway called upstream \"" + upstream + "\" (" + request.method() + ' '
                + request.target() + "), which has no stub: add .stub(\"" + upstream + "\", ...) to the tester"));
    }

    /** Notes a stub that failed instead of answering. */
    void stubFailed(String upstream, Throwable failure) {
        problem(new AssertionError("the stub of upstream \"" + upstream + "\" failed: " + failure, failure));
    }

    private synchronized void problem(AssertionError error) {
        problems.add(error);
    }

    /** Throws the first problem noted since the last call, with the others suppressed, and forgets them. */
    void check() {
        List<AssertionError> noted;
        synchronized (this) {
            if (problems.isEmpty()) {
                return;
            }
            noted = List.copyOf(problems);
            problems.clear();
        }
        AssertionError first = noted.get(0);
        noted.subList(1, noted.size()).forEach(first::addSuppressed);
        throw first;
    }
}
