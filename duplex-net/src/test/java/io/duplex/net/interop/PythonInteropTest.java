package io.duplex.net.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.duplex.net.ClientOptions;
import io.duplex.net.SelfSignedCertificate;
import io.duplex.net.TlsConfig;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Python's {@code websockets} (asyncio API, Debian's python3-websockets) as client and as server. */
@Timeout(60)
class PythonInteropTest extends InteropTestBase {
    static final Duration RUN = Duration.ofSeconds(20);

    // Per test, not per class, so that a skip is counted and shown for every test.
    @BeforeEach
    void requirePython() {
        InteropEnvironment.requirePythonWebsockets();
    }

    @Test
    void websocketsClientAgainstDuplexServer() throws Exception {
        server = InteropServer.plain();
        peer = Peer.start(InteropEnvironment.interopDir(), InteropEnvironment.PYTHON, "py_client.py",
                "--url", server.uri("/interop").toString(), "--timeout", "15");
        peer.assertAllPassed(RUN, InteropServer.CLIENT_CHECKS);
        server.assertScenarioCloses(Duration.ofSeconds(5));
        server.assertCompressionNegotiated();
        assertThat(server.nextPing(Duration.ofSeconds(1))).isEqualTo("client-ping");
    }

    @Test
    void websocketsClientAgainstDuplexServerOverTls() throws Exception {
        server = InteropServer.secure();
        peer = Peer.start(InteropEnvironment.interopDir(), InteropEnvironment.PYTHON, "py_client.py",
                "--url", server.uri("/interop").toString(), "--timeout", "15",
                "--ca", SelfSignedCertificate.get("EC").certificatePem.toString());
        peer.assertAllPassed(RUN, InteropServer.CLIENT_CHECKS);
        server.assertScenarioCloses(Duration.ofSeconds(5));
        server.assertCompressionNegotiated();
    }

    @Test
    void duplexClientAgainstWebsocketsServer() throws Exception {
        peer = Peer.start(InteropEnvironment.interopDir(), InteropEnvironment.PYTHON, "py_server.py",
                "--timeout", "30");
        int port = peer.awaitListeningPort();
        DuplexClientScenario.run(URI.create("ws://127.0.0.1:" + port + "/interop"), ClientOptions.DEFAULTS);
        DuplexClientScenario.assertPeerSawCloses(peer);
    }

    @Test
    void duplexClientAgainstWebsocketsServerOverTls() throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.get("EC");
        peer = Peer.start(InteropEnvironment.interopDir(), InteropEnvironment.PYTHON, "py_server.py",
                "--timeout", "30", "--tls-cert", cert.certificatePem.toString(),
                "--tls-key", cert.privateKeyPem.toString());
        int port = peer.awaitListeningPort();
        DuplexClientScenario.run(URI.create("wss://127.0.0.1:" + port + "/interop"),
                ClientOptions.DEFAULTS.withTls(TlsConfig.clientTrusting(cert.certificate)));
        DuplexClientScenario.assertPeerSawCloses(peer);
    }
}
