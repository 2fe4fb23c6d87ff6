package dev.portico.test;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A JUnit 5 extension that closes the testers it was given when their scope ends: one registered during a test
 * after that test, one registered before the tests (in {@code @BeforeAll}) after the class, so a started tester's
 * server and stub servers never outlive their tests.
 *
 * <pre>{@code
 * @RegisterExtension
 * final GatewayTesterExtension testers = new GatewayTesterExtension();
 *
 * GatewayTester tester = testers.register(GatewayTester.started(gateway).stub("users", stub).build());
 * }</pre>
 */
public final class GatewayTesterExtension implements BeforeEachCallback, AfterEachCallback, AfterAllCallback {

    private final List<GatewayTester> perTest = new ArrayList<>();
    private final List<GatewayTester> perClass = new ArrayList<>();
    private boolean inTest;

    /** Returns {@code tester}, to be closed when the test (or, registered before the tests, the class) is over. */
    public synchronized GatewayTester register(GatewayTester tester) {
        (inTest ? perTest : perClass).add(Objects.requireNonNull(tester, "tester"));
        return tester;
    }

    @Override
    public synchronized void beforeEach(ExtensionContext context) {
        inTest = true;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        synchronized (this) {
            inTest = false;
        }
        close(perTest);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close(perTest);
        close(perClass);
    }

    /** Closes these testers, last first; the first failure is thrown once all are closed. */
    private void close(List<GatewayTester> testers) {
        List<GatewayTester> registered;
        synchronized (this) {
            registered = new ArrayList<>(testers);
            testers.clear();
        }
        RuntimeException failure = null;
        for (int i = registered.size() - 1; i >= 0; i--) {
            try {
                registered.get(i).close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
