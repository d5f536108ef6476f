package io.duplex.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad frames from a WebSocket peer: each fails only that connection, with the RFC 6455 close code (or 1006
 * when the peer vanished), onClose fires exactly once, and a healthy connection on the same loop keeps
 * echoing.
 */
class FrameBadInputTest extends WebSocketTestBase {
    private static final int LIMIT = 1024;

    private final Sessions sessions = new Sessions();
    private WebSocketServer server;
    private RawPeer healthy;
    private WebSocket healthySession;
    private WebSocket badSession;

    @BeforeEach
    void startServer() throws Exception {
        server = start(WebSocketServer.builder().endpoint("/echo", Endpoint.of(sessions)
                .withOptions(WebSocketOptions.SERVER_DEFAULTS.withMaxMessageSize(LIMIT))));
        healthy = open(server, "/echo");
        healthySession = sessions.nextOpen(WAIT);
        healthy.assertEchoes("before");
    }

    /** Opens a second connection and returns its raw peer; its server side is {@link #badSession}. */
    private RawPeer openBad() throws Exception {
        RawPeer bad = open(server, "/echo");
        badSession = sessions.nextOpen(WAIT);
        return bad;
    }


    /** The bad connection's single onClose, after checking that it was the only one and the healthy one is fine. */
    private CloseStatus badClose() throws Exception {
        Sessions.Closed c = sessions.nextClose(WAIT);
        assertThat(c.ws()).isSameAs(badSession);
        healthy.assertEchoes("after");
        assertThat(sessions.closeCount(badSession)).isEqualTo(1);
        assertThat(sessions.closeCount(healthySession)).isZero();
        assertThat(healthySession.isOpen()).isTrue();
        return c.status();
    }

    /** Reads the server's close frame, asserts its code, then that the server dropped TCP. */
    private RawPeer.Frame expectClose(RawPeer bad, int code) throws Exception {
        RawPeer.Frame close = bad.readUntilClose();
        assertThat(close.closeCode()).as(close.closeReason()).isEqualTo(code);
        assertThat(bad.awaitEnd(WAIT)).as("TCP closed after close frame").isTrue();
        CloseStatus status = badClose();
        assertThat(status.code()).isEqualTo(code);
        assertThat(status.remote()).isFalse();
        return close;
    }

    @Test
    void unmaskedClientFrameGets1002ThenTcpClose() throws Exception {
        RawPeer bad = openBad();
        bad.write(RawPeer.frame(0x81, "hi".getBytes(StandardCharsets.UTF_8), 2, false));
        RawPeer.Frame close = expectClose(bad, 1002);
        assertThat(close.closeReason()).contains("not masked");
    }

    @Test
    void unmaskedFramePipelinedBehindTheUpgradeRequestGets1002() throws Exception {
        RawPeer bad = track(RawPeer.connect(server.port()));
        byte[] upgrade = RawPeer.upgradeRequest("/echo", "13", true).getBytes(StandardCharsets.ISO_8859_1);
        byte[] frame = RawPeer.frame(0x81, "hi".getBytes(StandardCharsets.UTF_8), 2, false);
        byte[] both = Arrays.copyOf(upgrade, upgrade.length + frame.length);
        System.arraycopy(frame, 0, both, upgrade.length, frame.length);
        bad.write(both);
        assertThat(bad.readResponse().status()).isEqualTo(101);
        badSession = sessions.nextOpen(WAIT);
        expectClose(bad, 1002);
    }

    @Test
    void oversizedFrameGets1009BeforeItsPayloadIsSent() throws Exception {
        RawPeer bad = openBad();
        // Only the header, announcing 1 MiB: the verdict must not wait for the payload.
        bad.write(RawPeer.frame(0x82, new byte[0], 1 << 20, true));
        expectClose(bad, 1009);
    }

    @Test
    void oversizedFragmentedMessageGets1009() throws Exception {
        RawPeer bad = openBad();
        byte[] part = new byte[LIMIT / 2 + 1];
        bad.write(RawPeer.frame(false, 0x2, part));
        bad.write(RawPeer.frame(false, 0x0, part));
        expectClose(bad, 1009);
    }

    @Test
    void invalidUtf8TextGets1007() throws Exception {
        RawPeer bad = openBad();
        bad.write(RawPeer.frame(true, 0x1, new byte[] {'o', 'k', (byte) 0xc3, 0x28}));
        expectClose(bad, 1007);
    }

    @Test
    void peerDisconnectingMidFrameIsAbnormalClosureOnce() throws Exception {
        RawPeer bad = openBad();
        byte[] frame = RawPeer.frame(true, 0x2, new byte[500]);
        bad.write(Arrays.copyOf(frame, 100));
        bad.close();
        CloseStatus status = badClose();
        assertThat(status.code()).isEqualTo(1006);
        assertThat(status.remote()).isTrue();
        assertThat(status.clean()).isFalse();
    }

    @Test
    void abruptResetIsAbnormalClosureOnce() throws Exception {
        RawPeer bad = openBad();
        bad.assertEchoes("x");
        bad.reset();
        CloseStatus status = badClose();
        assertThat(status.code()).isEqualTo(1006);
        assertThat(status.remote()).isTrue();
        assertThat(status.clean()).isFalse();
    }
}
