package dev.portico.examples.mobile;

import dev.portico.undertow.tls.ServerTls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The demo gateway's TLS certificate: the configured PEM files, or a self-signed one for {@code localhost} (and
 * 127.0.0.1, ::1) made by the JDK's own {@code keytool} into a temporary key store that is deleted at exit.
 */
final class DemoCertificate {

    private static final char[] PASSWORD = "portico-demo".toCharArray();

    private DemoCertificate() {
    }

    /** Returns the TLS settings of this listener, making the self-signed certificate if it has no files. */
    static ServerTls serverTls(DemoConfig.Tls tls) {
        if (tls.certificate() != null) {
            return ServerTls.pem(tls.certificate(), tls.privateKey()).build();
        }
        return ServerTls.keyStore(selfSigned(), PASSWORD).build();
    }

    private static Path selfSigned() {
        try {
            Path dir = Files.createTempDirectory("portico-demo-tls");
            Path store = dir.resolve("localhost.p12");
            store.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
            Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "localhost",
                    "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "365", "-storetype", "PKCS12",
                    "-keystore", store.toString(), "-storepass", new String(PASSWORD), "-dname", "CN=localhost",
                    "-ext", "SAN=dns:localhost,ip:127.0.0.1,ip:::1").redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new IllegalStateException("keytool could not make the demo's self-signed certificate: " + output);
            }
            return store;
        } catch (IOException e) {
            throw new IllegalStateException("cannot make the demo's self-signed certificate (" + e.getMessage()
                    + "): set GATEWAY_TLS_CERT and GATEWAY_TLS_KEY", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while making the demo's self-signed certificate", e);
        }
    }
}
