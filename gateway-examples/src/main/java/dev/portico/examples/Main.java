package dev.portico.examples;

import dev.portico.examples.mobile.DemoConfig;
import dev.portico.examples.mobile.DemoTokens;
import dev.portico.examples.mobile.MobileDemo;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Entry point of the examples jar: the mobile demo by default, the benchmark proxy with {@code bench-proxy}, or
 * {@code token USER}, which prints a demo token for that user (valid for an hour, signed with DEMO_JWT_SECRET).
 */
public final class Main {

    private static final String USAGE =
            "usage: java -jar gateway-examples.jar [bench-proxy | token USER | bench-keys FILE RS256|ES256]";

    private Main() {
    }

    public static void main(String[] args) {
        boolean benchProxy = args.length == 1 && args[0].equals("bench-proxy");
        boolean token = args.length == 2 && args[0].equals("token") && !args[1].isBlank();
        boolean benchKeys = args.length == 3 && args[0].equals("bench-keys");
        if (args.length > 0 && !benchProxy && !token && !benchKeys) {
            System.err.println(USAGE);
            System.exit(2);
        }
        try {
            if (benchKeys) {
                System.out.println(BenchKeys.create(Path.of(args[1]), args[2]));
            } else if (token) {
                System.out.println(DemoTokens.issue(DemoConfig.fromEnvironment(System.getenv()).jwtSecret(), args[1],
                        Duration.ofHours(1)));
            } else if (benchProxy) {
                BenchProxy.startFromEnvironment(System.getenv());
            } else {
                startMobileDemo();
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        } catch (UncheckedIOException e) {
            System.err.println(e.getMessage() + ": " + e.getCause().getMessage());
            System.exit(1);
        } catch (IllegalStateException e) {
            System.err.println(e.getMessage()); // such as a REDIS_URL whose Redis does not answer
            System.exit(1);
        }
    }

    private static void startMobileDemo() {
        MobileDemo demo = MobileDemo.start(DemoConfig.fromEnvironment(System.getenv()));
        Runtime.getRuntime().addShutdownHook(new Thread(demo::close, "mobile-demo-shutdown"));
        System.out.println("Mobile demo gateway: " + demo.url());
        if (demo.tlsPort() > 0) {
            System.out.println("Mobile demo gateway with TLS: https://localhost:" + demo.tlsPort());
        }
    }
}
