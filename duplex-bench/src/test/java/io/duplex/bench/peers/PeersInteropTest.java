package io.duplex.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;

import io.duplex.bench.peers.TestClient.Received;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs the peer contract against every Java peer, each started in-process on an ephemeral port and
 * driven by the JDK's WebSocket client. Every wait is bounded by {@link TestClient#TIMEOUT_SECONDS}.
 *
 * <p>Thread-safety: JUnit runs the methods one at a time; the shared {@link HttpClient} is thread-safe.
 */
class PeersInteropTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static Stream<Arguments> peers() {
        return Peers.STARTERS.entrySet().stream().map(peer -> Arguments.of(peer.getKey(), peer.getValue()));
    }

    private static PeerServer start(PeerServer.Starter starter) throws Exception {
        // Two threads: enough to exercise cross-thread fan-out, small enough for a shared machine.
        return starter.start(PeerOptions.defaults().withEndpoint("127.0.0.1", 0).withThreads(2));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("peers")
    void echoesTextAsText(String name, PeerServer.Starter starter) throws Exception {
        try (PeerServer peer = start(starter); TestClient client = TestClient.connect(HTTP, peer.actualPort(), "/echo")) {
            client.sendText("héllo, duplex");

            assertThat(client.next()).isEqualTo(Received.text("héllo, duplex"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("peers")
    void echoesBinaryAsBinaryOnAnyPath(String name, PeerServer.Starter starter) throws Exception {
        byte[] payload = {0, 1, 2, (byte) 0x80, (byte) 0xff};
        try (PeerServer peer = start(starter);
                TestClient client = TestClient.connect(HTTP, peer.actualPort(), "/some/other/path?q=1")) {
            client.sendBinary(payload);

            assertThat(client.next()).isEqualTo(Received.binary(payload));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("peers")
    void echoesOneMebibyteBinaryMessage(String name, PeerServer.Starter starter) throws Exception {
        byte[] payload = new byte[1 << 20];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (i * 31 + (i >>> 11));
        }
        try (PeerServer peer = start(starter); TestClient client = TestClient.connect(HTTP, peer.actualPort(), "/")) {
            client.sendBinary(payload);

            assertThat(client.next()).isEqualTo(Received.binary(payload));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("peers")
    void broadcastReachesEveryConnectionIncludingTheSender(String name, PeerServer.Starter starter)
            throws Exception {
        try (PeerServer peer = start(starter);
                TestClient first = TestClient.connect(HTTP, peer.actualPort(), "/broadcast")) {
            // A join message comes back to its sender only once the server has added the sender to the
            // group, so nothing later can race a registration.
            first.sendText("join first");
            assertThat(first.next()).isEqualTo(Received.text("join first"));
            try (TestClient second = TestClient.connect(HTTP, peer.actualPort(), "/broadcast")) {
                second.sendText("join second");
                assertThat(second.next()).isEqualTo(Received.text("join second"));
                assertThat(first.next()).isEqualTo(Received.text("join second"));

                first.sendText("to everyone");
                assertThat(first.next()).isEqualTo(Received.text("to everyone"));
                assertThat(second.next()).isEqualTo(Received.text("to everyone"));

                byte[] payload = "binary to everyone".getBytes(StandardCharsets.UTF_8);
                second.sendBinary(payload);
                assertThat(first.next()).isEqualTo(Received.binary(payload));
                assertThat(second.next()).isEqualTo(Received.binary(payload));
            }
        }
    }
}
