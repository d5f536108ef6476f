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

/** Node's {@code ws} (interop/package.json pins the version) as client and as server. */
@Timeout(60)
class NodeInteropTest extends InteropTestBase {
    static final Duration RUN = Duration.ofSeconds(20);
    /** Node's ws can also split a character across fragments and send empty messages. */
    static final String[] WS_CLIENT_CHECKS = {"text", "binary", "fragmented-text", "fragmented-binary",
        "fragmented-utf8", "empty-text", "empty-binary", "server-fragmented", "ping", "server-ping", "large",
        "compressed-repeat", "client-close", "server-close"};

    // Per test, not per class, so that a skip is counted and shown for every test.
    @BeforeEach
    void requireNode() {
        InteropEnvironment.requireNode("ws");
    }

    @Test
    void wsClientAgainstDuplexServer() throws Exception {
        server = InteropServer.plain();
        peer = Peer.start(InteropEnvironment.interopDir(), "node", "ws-client.mjs",
                "--url", server.uri("/interop").toString(), "--timeout", "15000");
        peer.assertAllPassed(RUN, WS_CLIENT_CHECKS);
        server.assertScenarioCloses(Duration.ofSeconds(5));
        server.assertCompressionNegotiated();
        assertThat(server.nextPing(Duration.ofSeconds(1))).isEqualTo("client-ping");
    }

    @Test
    void wsClientAgainstDuplexServerOverTls() throws Exception {
        server = InteropServer.secure();
        peer = Peer.start(InteropEnvironment.interopDir(), "node", "ws-client.mjs",
                "--url", server.uri("/interop").toString(), "--timeout", "15000",
                "--ca", SelfSignedCertificate.get("EC").certificatePem.toString());
        peer.assertAllPassed(RUN, WS_CLIENT_CHECKS);
        server.assertScenarioCloses(Duration.ofSeconds(5));
        server.assertCompressionNegotiated();
    }

    @Test
    void duplexClientAgainstWsServer() throws Exception {
        peer = Peer.start(InteropEnvironment.interopDir(), "node", "ws-server.mjs", "--timeout", "30000");
        int port = peer.awaitListeningPort();
        DuplexClientScenario.run(URI.create("ws://127.0.0.1:" + port + "/interop"), ClientOptions.DEFAULTS);
        DuplexClientScenario.assertPeerSawCloses(peer);
        assertThat(peer.transcript()).contains("{\"event\":\"ping\",\"payload\":\"client-ping\"}");
    }

    @Test
    void duplexClientAgainstWsServerOverTls() throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.get("EC");
        peer = Peer.start(InteropEnvironment.interopDir(), "node", "ws-server.mjs", "--timeout", "30000",
                "--tls-cert", cert.certificatePem.toString(), "--tls-key", cert.privateKeyPem.toString());
        int port = peer.awaitListeningPort();
        DuplexClientScenario.run(URI.create("wss://127.0.0.1:" + port + "/interop"),
                ClientOptions.DEFAULTS.withTls(TlsConfig.clientTrusting(cert.certificate)));
        DuplexClientScenario.assertPeerSawCloses(peer);
    }
}
