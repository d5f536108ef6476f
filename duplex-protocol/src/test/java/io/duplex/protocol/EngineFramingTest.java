package io.duplex.protocol;

import static io.duplex.protocol.TestFrames.concat;
import static io.duplex.protocol.TestFrames.frameTo;
import static io.duplex.protocol.TestFrames.hex;
import static io.duplex.protocol.TestFrames.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.duplex.protocol.TestFrames.Harness;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 6455 section 5: framing, for both roles. */
class EngineFramingTest {

    @Test
    @DisplayName("5.7: a single-frame unmasked text message")
    void rfcUnmaskedText() {
        Harness h = new Harness(Role.CLIENT).feed(hex("810548656c6c6f")); // "Hello"
        assertThat(h.events).containsExactly(new Event.Text("Hello"));
    }

    @Test
    @DisplayName("5.7: a single-frame masked text message")
    void rfcMaskedText() {
        Harness h = new Harness(Role.SERVER).feed(hex("818537fa213d7f9f4d5158"));
        assertThat(h.events).containsExactly(new Event.Text("Hello"));
    }

    @Test
    @DisplayName("5.7: a fragmented unmasked text message")
    void rfcFragmentedText() {
        Harness h = new Harness(Role.CLIENT).feed(hex("010348656c"), hex("80026c6f"));
        assertThat(h.events).containsExactly(new Event.Text("Hello"));
    }

    @Test
    @DisplayName("5.7: unmasked ping answered by a masked pong with the same payload")
    void rfcPingPong() {
        Harness h = new Harness(Role.CLIENT).feed(hex("890548656c6c6f"));
        assertThat(h.events).containsExactly(new Event.Ping(ByteBuffer.wrap(utf8("Hello"))));
        assertThat(h.sentBytes()).isEqualTo(hex("8a8537fa213d7f9f4d5158"));
    }

    @Test
    @DisplayName("5.7: 256 bytes binary in a single unmasked frame (16-bit length)")
    void rfc256Binary() {
        byte[] payload = new byte[256];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
        Harness h = new Harness(Role.CLIENT).feed(concat(hex("827e0100"), payload));
        assertThat(h.events).containsExactly(new Event.Binary(ByteBuffer.wrap(payload)));
    }

    @Test
    @DisplayName("5.7: 64 KiB binary in a single unmasked frame (64-bit length)")
    void rfc64KiBBinary() {
        byte[] payload = new byte[65536];
        payload[65535] = 7;
        Harness h = new Harness(Role.CLIENT).feed(concat(hex("827f0000000000010000"), payload));
        assertThat(h.events).containsExactly(new Event.Binary(ByteBuffer.wrap(payload)));
    }

    @Test
    @DisplayName("5.7 / 5.1: a server sends unmasked frames, a client masks them")
    void rfcEncoding() {
        Harness server = new Harness(Role.SERVER);
        server.engine.sendText("Hello");
        assertThat(server.sentBytes()).isEqualTo(hex("810548656c6c6f"));
        Harness client = new Harness(Role.CLIENT);
        client.engine.sendText("Hello");
        assertThat(client.sentBytes()).isEqualTo(hex("818537fa213d7f9f4d5158"));
    }

    @Test
    @DisplayName("5.2: 16- and 64-bit lengths are written in their shortest form")
    void encoderLengths() {
        Harness server = new Harness(Role.SERVER);
        server.engine.sendBinary(ByteBuffer.allocate(125));
        server.engine.sendBinary(ByteBuffer.allocate(126));
        server.engine.sendBinary(ByteBuffer.allocate(65535));
        server.engine.sendBinary(ByteBuffer.allocate(65536));
        ByteBuffer out = ByteBuffer.wrap(server.sentBytes());
        assertThat(out.getShort(0)).isEqualTo((short) 0x827d);
        assertThat(out.getInt(2 + 125)).isEqualTo(0x827e007e);
        int third = 2 + 125 + 4 + 126;
        assertThat(out.getInt(third)).isEqualTo(0x827effff);
        int fourth = third + 4 + 65535;
        assertThat(out.getShort(fourth)).isEqualTo((short) 0x827f);
        assertThat(out.getLong(fourth + 2)).isEqualTo(65536L);
    }

    @Test
    @DisplayName("5.1: a server references the caller's payload instead of copying it")
    void serverPayloadNotCopied() {
        ByteBuffer[] seen = new ByteBuffer[1];
        WebSocketEngine e = new WebSocketEngine(Role.SERVER, EngineConfig.defaults(), ev -> {}, (h, p) -> seen[0] = p);
        ByteBuffer payload = ByteBuffer.allocateDirect(1000);
        e.sendBinary(payload);
        payload.put(0, (byte) 42);
        assertThat(seen[0].get(0)).isEqualTo((byte) 42);
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("5.2: RSV bits without a negotiated extension fail with 1002")
    void rsvBitsFail(Role role) {
        for (int rsv : new int[] {0x40, 0x20, 0x10}) {
            Harness h = new Harness(role).feed(frameTo(role, 0x80 | rsv | 0x1, utf8("x")));
            assertThat(h.events).containsExactly(
                    new Event.Failure(1002, "reserved bits set without a negotiated extension"));
            assertThat(h.engine.closeState()).isEqualTo(CloseState.FAILED);
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("5.2: an RSV bit owned by a negotiated extension is accepted")
    void rsvBitOwnedByExtension(Role role) {
        EngineConfig cfg = EngineConfig.builder().extensionRsvBits(WebSocketProtocol.B0_RSV1).build();
        Harness h = new Harness(role, cfg).feed(frameTo(role, 0xC2, utf8("x")));
        assertThat(h.events).containsExactly(new Event.Binary(ByteBuffer.wrap(utf8("x"))));
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF})
    @DisplayName("5.2: reserved opcodes fail with 1002")
    void reservedOpcodes(int opcode) {
        for (Role role : Role.values()) {
            Harness h = new Harness(role).feed(frameTo(role, 0x80 | opcode, new byte[0]));
            assertThat(h.events).containsExactly(
                    new Event.Failure(1002, "reserved opcode 0x" + Integer.toHexString(opcode)));
        }
    }

    @Test
    @DisplayName("5.1: a server fails on an unmasked client frame with 1002")
    void serverRejectsUnmasked() {
        Harness h = new Harness(Role.SERVER).feed(hex("810548656c6c6f"));
        assertThat(h.events).containsExactly(new Event.Failure(1002, "client frame is not masked"));
        assertThat(h.sentBytes()).isEqualTo(concat(hex("881c03ea"), utf8("client frame is not masked")));
    }

    @Test
    @DisplayName("5.1: a client fails on a masked server frame with 1002")
    void clientRejectsMasked() {
        Harness h = new Harness(Role.CLIENT).feed(hex("818537fa213d7f9f4d5158"));
        assertThat(h.events).containsExactly(new Event.Failure(1002, "server frame is masked"));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("5.2: a 64-bit length with the most significant bit set fails with 1002")
    void length64TopBit(Role role) {
        byte[] header = role == Role.SERVER ? hex("82ff8000000000000001 37fa213d") : hex("827f8000000000000001");
        Harness h = new Harness(role).feed(header);
        assertThat(h.events).containsExactly(
                new Event.Failure(1002, "64-bit payload length has its most significant bit set"));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("5.5: a control frame longer than 125 bytes fails with 1002")
    void controlTooLong(Role role) {
        Harness h = new Harness(role).feed(frameTo(role, 0x89, new byte[126]));
        assertThat(h.events).containsExactly(new Event.Failure(1002, "control frame payload longer than 125 bytes"));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("5.5: a fragmented control frame fails with 1002")
    void fragmentedControl(Role role) {
        Harness h = new Harness(role).feed(frameTo(role, 0x09, utf8("a")));
        assertThat(h.events).containsExactly(new Event.Failure(1002, "fragmented control frame"));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("5.4: control frames may arrive between the fragments of a message")
    void controlBetweenFragments(Role role) {
        Harness h = new Harness(role).feed(
                frameTo(role, 0x01, utf8("Hel")),
                frameTo(role, 0x89, utf8("p")),
                frameTo(role, 0x00, utf8("l")),
                frameTo(role, 0x8A, utf8("q")),
                frameTo(role, 0x80, utf8("o")));
        assertThat(h.events).containsExactly(
                new Event.Ping(ByteBuffer.wrap(utf8("p"))),
                new Event.Pong(ByteBuffer.wrap(utf8("q"))),
                new Event.Text("Hello"));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("5.4: a continuation frame with no message started fails with 1002")
    void orphanContinuation(Role role) {
        Harness h = new Harness(role).feed(frameTo(role, 0x80, utf8("x")));
        assertThat(h.events).containsExactly(
                new Event.Failure(1002, "continuation frame without a message in progress"));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("5.4: a new data frame inside a fragmented message fails with 1002")
    void interleavedMessages(Role role) {
        Harness h = new Harness(role).feed(frameTo(role, 0x01, utf8("a")), frameTo(role, 0x82, utf8("b")));
        assertThat(h.events).containsExactly(
                new Event.Failure(1002, "new data frame while a fragmented message is in progress"));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("5.4: a binary message in many fragments, some empty, is reassembled")
    void fragmentedBinary(Role role) {
        Harness h = new Harness(role).feed(
                frameTo(role, 0x02, new byte[] {1}),
                frameTo(role, 0x00, new byte[0]),
                frameTo(role, 0x00, new byte[] {2, 3}),
                frameTo(role, 0x80, new byte[0]));
        assertThat(h.events).containsExactly(new Event.Binary(ByteBuffer.wrap(new byte[] {1, 2, 3})));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("5.6: empty text and binary messages")
    void emptyMessages(Role role) {
        Harness h = new Harness(role).feed(frameTo(role, 0x81, new byte[0]), frameTo(role, 0x82, new byte[0]),
                frameTo(role, 0x01, new byte[0]), frameTo(role, 0x80, new byte[0]));
        assertThat(h.events).containsExactly(new Event.Text(""), new Event.Binary(ByteBuffer.allocate(0)),
                new Event.Text(""));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("5.2: a header split across reads byte by byte is parsed")
    void headerSplitByteByByte(Role role) {
        byte[] f = frameTo(role, 0x82, new byte[70000]);
        Harness h = new Harness(role);
        for (int i = 0; i < 20; i++) {
            h.feed(new byte[] {f[i]});
        }
        h.feed(java.util.Arrays.copyOfRange(f, 20, f.length));
        assertThat(h.events).containsExactly(new Event.Binary(ByteBuffer.allocate(70000)));
    }

    @Test
    @DisplayName("the engine fails, then discards everything that follows")
    void discardAfterFailure() {
        Harness h = new Harness(Role.SERVER).feed(concat(hex("810548656c6c6f"), frameTo(Role.SERVER, 0x81, utf8("x"))));
        assertThat(h.events).hasSize(1);
        h.feed(frameTo(Role.SERVER, 0x81, utf8("more")));
        assertThat(h.events).hasSize(1);
    }

    @Test
    @DisplayName("sending: fragments must follow the message state")
    void sendFragmentState() {
        Harness h = new Harness(Role.SERVER);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> h.engine.sendFrame(0, true, ByteBuffer.allocate(0))).isInstanceOf(IllegalStateException.class);
        h.engine.sendFrame(1, false, ByteBuffer.wrap(utf8("He")));
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> h.engine.sendText("x")).isInstanceOf(IllegalStateException.class);
        h.engine.sendFrame(0, true, ByteBuffer.wrap(utf8("y")));
        assertThat(h.sentBytes()).isEqualTo(hex("01024865 800179"));
    }
}
