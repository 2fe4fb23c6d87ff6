package dev.portico.examples.guide;

import dev.portico.core.Gateway;
import dev.portico.undertow.PorticoServer;
import dev.portico.undertow.tls.ServerTls;
import dev.portico.undertow.tls.UpstreamTls;

import java.nio.file.Path;
import java.time.Duration;

/** The code quoted in docs/protocols.md, compiled so that it cannot rot; one static method per snippet. */
public final class ProtocolsExamples {

    private ProtocolsExamples() {
    }

    static PorticoServer pemFiles(Gateway gateway) {
        ServerTls tls = ServerTls.pem(Path.of("/etc/portico/tls.crt"), Path.of("/etc/portico/tls.key")).build();
        return PorticoServer.builder(gateway)
                .host("0.0.0.0")
                .port(8080)           // cleartext: HTTP/1.1 and h2c
                .https(8443, tls)     // TLS: HTTP/1.1 and h2 by ALPN
                .start();
    }

    static PorticoServer keyStoreHttpsOnly(Gateway gateway, char[] password) {
        ServerTls tls = ServerTls.keyStore(Path.of("/etc/portico/gateway.p12"), password)
                .protocols("TLSv1.3")                                   // TLS 1.2 and 1.3 by default
                .build();
        return PorticoServer.builder(gateway)
                .https(443, tls)
                .cleartext(PorticoServer.Cleartext.NONE)                // or REDIRECT: 308 to https://
                .start();
    }

    static void reloadOnRenewal(PorticoServer server) {
        // after the certificate files were replaced (cert-manager, certbot's deploy hook, a file watcher):
        try {
            server.reloadTls();                                       // new connections get the new certificate
        } catch (IllegalArgumentException badFiles) {
            System.err.println(badFiles.getMessage());                // names the file; the old certificate stays
        }
    }

    static PorticoServer http2Options(Gateway gateway) {
        return PorticoServer.builder(gateway)
                .port(8080)
                .http2(true)                  // the default: h2 by ALPN, h2c by prior knowledge and by Upgrade
                .maxConcurrentStreams(100)    // the default: streams in flight per connection, beyond: 503
                .drainTimeout(Duration.ofSeconds(30))
                .start();
    }

    static PorticoServer upstreamTls(Gateway gateway) {
        UpstreamTls tls = UpstreamTls.builder()
                .trustCertificates(Path.of("/etc/portico/internal-ca.pem"))     // instead of the JDK's trust store
                .clientCertificate(Path.of("/etc/portico/gateway.crt"), Path.of("/etc/portico/gateway.key"))
                .build();
        return PorticoServer.builder(gateway).port(8080).upstreamTls(tls).start();
    }
}
