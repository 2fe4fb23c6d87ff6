package dev.portico.undertow;

import java.util.ArrayList;
import java.util.List;

/** What a test opened, closed last first; a field annotated {@code @AutoClose} closes it after each test. */
final class Closer implements AutoCloseable {

    private final List<AutoCloseable> resources = new ArrayList<>();

    /** Closes {@code resource} with the others; returns it. */
    <T extends AutoCloseable> T add(T resource) {
        resources.add(resource);
        return resource;
    }

    @Override
    public void close() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        resources.clear();
    }
}
