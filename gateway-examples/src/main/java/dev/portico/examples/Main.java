package dev.portico.examples;

import dev.portico.examples.mobile.DemoConfig;
import dev.portico.examples.mobile.MobileDemo;

import java.io.UncheckedIOException;

/** Entry point of the examples jar: the mobile demo by default, or the benchmark proxy with {@code bench-proxy}. */
public final class Main {

    private static final String USAGE = "usage: java -jar gateway-examples.jar [bench-proxy]";

    private Main() {
    }

    public static void main(String[] args) {
        boolean benchProxy = args.length == 1 && args[0].equals("bench-proxy");
        if (args.length > 0 && !benchProxy) {
            System.err.println(USAGE);
            System.exit(2);
        }
        try {
            if (benchProxy) {
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
        }
    }

    private static void startMobileDemo() {
        MobileDemo demo = MobileDemo.start(DemoConfig.fromEnvironment(System.getenv()));
        Runtime.getRuntime().addShutdownHook(new Thread(demo::close, "mobile-demo-shutdown"));
        System.out.println("Mobile demo gateway: " + demo.url());
    }
}
