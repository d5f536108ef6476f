package io.duplex.protocol;

import static io.duplex.protocol.TestFrames.closePayload;
import static io.duplex.protocol.TestFrames.concat;
import static io.duplex.protocol.TestFrames.frame;
import static io.duplex.protocol.TestFrames.frameTo;
import static io.duplex.protocol.TestFrames.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duplex.protocol.TestFrames.Harness;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 6455 sections 5.5.1 and 7: the closing handshake, for both roles. */
class EngineCloseTest {

    /** What {@code from} sends, as bytes the other role receives. */
    private static byte[] closeFrameFrom(Role sender, int code, String reason) {
        return frame(0x88, closePayload(code, reason), sender == Role.CLIENT, TestFrames.TEST_MASK);
    }

    private static Role other(Role r) {
        return r == Role.SERVER ? Role.CLIENT : Role.SERVER;
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("5.5.1: the peer closes first; the reply echoes its code and the state is CLOSED")
    void remoteInitiated(Role role) {
        Harness h = new Harness(role).feed(frameTo(role, 0x88, closePayload(1001, "bye")));
        assertThat(h.events).containsExactly(new Event.CloseReceived(1001, "bye"));
        assertThat(h.sentBytes()).isEqualTo(closeFrameFrom(role, 1001, ""));
        assertThat(h.engine.closeState()).isEqualTo(CloseState.CLOSED);
        assertThat(h.engine.closeInitiator()).isEqualTo(CloseState.Initiator.REMOTE);
        assertThat(h.engine.sentCloseCode()).isEqualTo(1001);
        assertThat(h.engine.receivedCloseCode()).isEqualTo(1001);
        assertThat(h.engine.receivedCloseReason()).isEqualTo("bye");
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("7.1.2: this endpoint closes first; the peer's reply completes the handshake without a second frame")
    void locallyInitiated(Role role) {
        Harness h = new Harness(role);
        assertThat(h.engine.close(1000, "done")).isTrue();
        assertThat(h.engine.closeState()).isEqualTo(CloseState.CLOSING);
        assertThat(h.sentBytes()).isEqualTo(closeFrameFrom(role, 1000, "done"));
        // 1.4: data may still arrive after our close frame.
        h.feed(frameTo(role, 0x81, utf8("late")));
        h.feed(frameTo(role, 0x88, closePayload(1000, "")));
        assertThat(h.events).containsExactly(new Event.Text("late"), new Event.CloseReceived(1000, ""));
        assertThat(h.engine.closeState()).isEqualTo(CloseState.CLOSED);
        assertThat(h.engine.closeInitiator()).isEqualTo(CloseState.Initiator.LOCAL);
        assertThat(h.sentBytes()).isEqualTo(closeFrameFrom(role, 1000, "done"));
        assertThat(h.engine.close(1000, "")).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("5.5.1: a close frame without a body is reported as 1005 and answered with an empty close")
    void emptyClose(Role role) {
        Harness h = new Harness(role).feed(frameTo(role, 0x88, new byte[0]));
        assertThat(h.events).containsExactly(new Event.CloseReceived(1005, ""));
        assertThat(h.sentBytes()).isEqualTo(frame(0x88, new byte[0], role == Role.CLIENT, TestFrames.TEST_MASK));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("5.5.1: a 1-byte close payload fails with 1002")
    void oneByteClose(Role role) {
        Harness h = new Harness(role).feed(frameTo(role, 0x88, new byte[] {3}));
        assertThat(h.events).containsExactly(new Event.Failure(1002, "close frame payload of 1 byte"));
        assertThat(h.sentBytes()).isEqualTo(closeFrameFrom(role, 1002, "close frame payload of 1 byte"));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535})
    @DisplayName("7.4.1: invalid close codes fail with 1002")
    void invalidCodes(int code) {
        for (Role role : Role.values()) {
            Harness h = new Harness(role).feed(frameTo(role, 0x88, closePayload(code, "")));
            assertThat(h.events).containsExactly(new Event.Failure(1002, "invalid close code " + code));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4000, 4999})
    @DisplayName("7.4.1: valid close codes are accepted and echoed")
    void validCodes(int code) {
        Harness h = new Harness(Role.SERVER).feed(frameTo(Role.SERVER, 0x88, closePayload(code, "r")));
        assertThat(h.events).containsExactly(new Event.CloseReceived(code, "r"));
        assertThat(h.sentBytes()).isEqualTo(closeFrameFrom(Role.SERVER, code, ""));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("5.5.1: a close reason that is not UTF-8 fails with 1007")
    void invalidReason(Role role) {
        Harness h = new Harness(role).feed(frameTo(role, 0x88, concat(closePayload(1000, ""), new byte[] {(byte) 0xff})));
        assertThat(h.events).containsExactly(new Event.Failure(1007, "close reason is not valid UTF-8"));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("5.5.1: no data frame is delivered after a close frame, even in the same read")
    void nothingAfterClose(Role role) {
        Harness h = new Harness(role).feed(concat(
                frameTo(role, 0x88, closePayload(1000, "")),
                frameTo(role, 0x81, utf8("after")),
                frameTo(role, 0x89, utf8("ping"))));
        assertThat(h.events).containsExactly(new Event.CloseReceived(1000, ""));
        assertThat(h.sentBytes()).isEqualTo(closeFrameFrom(role, 1000, ""));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("5.5.1: after sending close, no data frame, ping or automatic pong is sent")
    void nothingSentAfterClose(Role role) {
        Harness h = new Harness(role);
        h.engine.close(1000, "");
        int before = h.sentBytes().length;
        assertThat(h.engine.sendText("x")).isFalse();
        assertThat(h.engine.sendBinary(ByteBuffer.allocate(1))).isFalse();
        assertThat(h.engine.ping(ByteBuffer.allocate(0))).isFalse();
        h.feed(frameTo(role, 0x89, utf8("p")));
        assertThat(h.events).containsExactly(new Event.Ping(ByteBuffer.wrap(utf8("p"))));
        assertThat(h.sentBytes()).hasSize(before);
    }

    @Test
    @DisplayName("5.5.1: close codes and reasons are validated before sending")
    void sendValidation() {
        Harness h = new Harness(Role.SERVER);
        assertThatThrownBy(() -> h.engine.close(1005, "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> h.engine.close(1000, "x".repeat(124))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> h.engine.close(-1, "reason")).isInstanceOf(IllegalArgumentException.class);
        assertThat(h.engine.close(1000, "x".repeat(123))).isTrue();
    }

    @Test
    @DisplayName("5.5.1: a close without status code can be sent")
    void closeWithoutCode() {
        Harness h = new Harness(Role.SERVER);
        h.engine.close(-1, null);
        assertThat(h.sentBytes()).isEqualTo(new byte[] {(byte) 0x88, 0});
        assertThat(h.engine.sentCloseCode()).isEqualTo(1005);
    }

    @Test
    @DisplayName("7.1.5: end of stream without a close handshake is abnormal")
    void eof() {
        assertThat(new Harness(Role.CLIENT).engine.receiveEof()).isFalse();
        Harness h = new Harness(Role.CLIENT).feed(frameTo(Role.CLIENT, 0x88, closePayload(1000, "")));
        assertThat(h.engine.receiveEof()).isTrue();
    }

    @Test
    @DisplayName("7.1.7: a failure reason longer than 123 bytes is cut at a code point boundary")
    void longFailureReasonTruncated() {
        EngineConfig cfg = EngineConfig.builder().maxMessageSize(1).build();
        Harness h = new Harness(Role.CLIENT, cfg).feed(frameTo(Role.CLIENT, 0x82, new byte[2]));
        assertThat(h.last()).isInstanceOf(Event.Failure.class);
        byte[] sent = h.sentBytes();
        assertThat(sent[0]).isEqualTo((byte) 0x88);
        assertThat(sent[1] & 0x7f).isLessThanOrEqualTo(125);
    }
}
