package io.duplex.protocol;

import static io.duplex.protocol.TestFrames.concat;
import static io.duplex.protocol.TestFrames.frameTo;
import static io.duplex.protocol.TestFrames.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.duplex.protocol.TestFrames.Harness;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** RFC 6455 section 8.1 (UTF-8 in text messages) and the size limits (10.4, close code 1009). */
class EngineUtf8AndLimitsTest {

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("8.1: an invalid text message fails with 1007")
    void invalidText(Role role) {
        Harness h = new Harness(role).feed(frameTo(role, 0x81, new byte[] {'a', (byte) 0xC0, (byte) 0x80}));
        assertThat(h.events).containsExactly(new Event.Failure(1007, "text message is not valid UTF-8"));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("8.1: a code point split across fragments is valid")
    void codePointAcrossFragments(Role role) {
        byte[] euro = utf8("\u20ac"); // E2 82 AC
        Harness h = new Harness(role).feed(
                frameTo(role, 0x01, new byte[] {euro[0]}),
                frameTo(role, 0x00, new byte[] {euro[1]}),
                frameTo(role, 0x80, new byte[] {euro[2]}));
        assertThat(h.events).containsExactly(new Event.Text("\u20ac"));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("8.1: failure comes at the first invalid fragment, before the message ends")
    void failFastAcrossFragments(Role role) {
        Harness h = new Harness(role).feed(frameTo(role, 0x01, utf8("ok")));
        assertThat(h.events).isEmpty();
        h.feed(frameTo(role, 0x00, new byte[] {(byte) 0xED, (byte) 0xA0})); // a surrogate, no FIN yet
        assertThat(h.events).containsExactly(new Event.Failure(1007, "text message is not valid UTF-8"));
    }

    @Test
    @DisplayName("8.1: failure comes as soon as the bad bytes of a partly received frame arrive")
    void failFastWithinFrame() {
        byte[] payload = new byte[1000];
        Arrays.fill(payload, (byte) 'a');
        payload[10] = (byte) 0xFF;
        byte[] f = frameTo(Role.SERVER, 0x81, payload);
        Harness h = new Harness(Role.SERVER).feed(Arrays.copyOf(f, 40));
        assertThat(h.events).containsExactly(new Event.Failure(1007, "text message is not valid UTF-8"));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("8.1: a message ending inside a code point fails with 1007")
    void truncatedAtEnd(Role role) {
        Harness h = new Harness(role).feed(frameTo(role, 0x01, utf8("a")), frameTo(role, 0x80, new byte[] {(byte) 0xE2, (byte) 0x82}));
        assertThat(h.events).containsExactly(new Event.Failure(1007, "text message ends inside a UTF-8 sequence"));
    }

    @Test
    @DisplayName("8.1: binary messages are not validated")
    void binaryNotValidated() {
        Harness h = new Harness(Role.SERVER).feed(frameTo(Role.SERVER, 0x82, new byte[] {(byte) 0xFF}));
        assertThat(h.events).containsExactly(new Event.Binary(ByteBuffer.wrap(new byte[] {(byte) 0xFF})));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("limits: a frame over maxFramePayload fails with 1009 at its header, before any payload")
    void frameTooBig(Role role) {
        EngineConfig cfg = EngineConfig.builder().maxFramePayload(1000).build();
        byte[] f = frameTo(role, 0x82, new byte[1001]);
        Harness h = new Harness(role, cfg).feed(Arrays.copyOf(f, role == Role.SERVER ? 8 : 4));
        assertThat(h.events).containsExactly(
                new Event.Failure(1009, "frame payload of 1001 bytes exceeds the limit of 1000"));
        assertThat(new Harness(role, cfg).feed(frameTo(role, 0x82, new byte[1000])).events)
                .containsExactly(new Event.Binary(ByteBuffer.allocate(1000)));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("limits: a fragmented message over maxMessageSize fails with 1009")
    void messageTooBig(Role role) {
        EngineConfig cfg = EngineConfig.builder().maxMessageSize(1000).build();
        Harness h = new Harness(role, cfg).feed(frameTo(role, 0x02, new byte[600]), frameTo(role, 0x80, new byte[401]));
        assertThat(h.events).containsExactly(
                new Event.Failure(1009, "message of at least 1001 bytes exceeds the limit of 1000"));
        Harness ok = new Harness(role, cfg).feed(frameTo(role, 0x02, new byte[600]), frameTo(role, 0x80, new byte[400]));
        assertThat(ok.events).containsExactly(new Event.Binary(ByteBuffer.allocate(1000)));
    }

    @Test
    @DisplayName("limits: control frames interleaved in a message do not count towards its size")
    void controlNotCounted() {
        EngineConfig cfg = EngineConfig.builder().maxMessageSize(10).build();
        Harness h = new Harness(Role.SERVER, cfg).feed(concat(
                frameTo(Role.SERVER, 0x02, new byte[5]),
                frameTo(Role.SERVER, 0x89, new byte[100]),
                frameTo(Role.SERVER, 0x80, new byte[5])));
        assertThat(h.events).hasSize(2).last().isEqualTo(new Event.Binary(ByteBuffer.allocate(10)));
    }

    @Test
    @DisplayName("limits: a header announcing a large frame does not make the engine allocate it")
    void noAllocationFromHeader() {
        Harness h = new Harness(Role.CLIENT);
        // 16 MiB announced, 3 bytes sent: the engine must not reserve 16 MiB.
        h.feed(concat(new byte[] {(byte) 0x82, 127, 0, 0, 0, 0, 1, 0, 0, 0}, new byte[] {1, 2, 3}));
        assertThat(h.events).isEmpty();
        long before = usedHeapAfterGc();
        Harness[] many = new Harness[64];
        for (int i = 0; i < many.length; i++) {
            many[i] = new Harness(Role.CLIENT).feed(new byte[] {(byte) 0x82, 127, 0, 0, 0, 0, 1, 0, 0, 0, 1});
        }
        assertThat(usedHeapAfterGc() - before).isLessThan(16L << 20);
        assertThat(many).doesNotContainNull();
    }

    @Test
    @DisplayName("limits: with MessageBuffers, a new buffer is at most twice what arrived, whatever the header says")
    void pooledAllocationFollowsWhatArrived() {
        RecordingBuffers buffers = new RecordingBuffers(1024);
        Harness h = new Harness(Role.CLIENT, EngineConfig.defaults(), buffers);
        // 16 MiB announced; then 1 byte, then 100,000 bytes in pieces.
        h.feed(new byte[] {(byte) 0x82, 127, 0, 0, 0, 0, 1, 0, 0, 0, 1});
        assertThat(buffers.allocatedBytes).isZero();
        int received = 1;
        for (int i = 0; i < 100; i++) {
            h.feed(new byte[1000]);
            received += 1000;
            assertThat(buffers.allocatedBytes).isLessThanOrEqualTo(4L * received);
            assertThat(buffers.outstanding()).isEqualTo(received >= 1024 ? 1 : 0);
        }
        assertThat(h.events).isEmpty();
        h.engine.receiveEof();
        assertThat(buffers.outstanding()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @DisplayName("limits: with MessageBuffers, 1009 and 1007 still apply and the buffer is given back")
    void pooledLimitsAndUtf8(Role role) {
        RecordingBuffers buffers = new RecordingBuffers(100);
        EngineConfig cfg = EngineConfig.builder().maxMessageSize(1000).build();
        Harness big = new Harness(role, cfg, buffers)
                .feed(frameTo(role, 0x02, new byte[600]), frameTo(role, 0x80, new byte[401]));
        assertThat(big.events).containsExactly(
                new Event.Failure(1009, "message of at least 1001 bytes exceeds the limit of 1000"));
        assertThat(buffers.outstanding()).isZero();
        assertThat(buffers.acquired).isEqualTo(1);

        byte[] text = new byte[900];
        Arrays.fill(text, (byte) 'a');
        text[800] = (byte) 0xC0;
        byte[] f = frameTo(role, 0x81, text);
        Harness bad = new Harness(role, cfg, buffers).feed(Arrays.copyOf(f, 500), Arrays.copyOfRange(f, 500, f.length));
        assertThat(bad.events).containsExactly(new Event.Failure(1007, "text message is not valid UTF-8"));
        byte[] cut = utf8("\u20ac".repeat(300));
        Harness truncated = new Harness(role, cfg, buffers).feed(
                frameTo(role, 0x01, Arrays.copyOf(cut, 500)), frameTo(role, 0x80, Arrays.copyOfRange(cut, 500, 899)));
        assertThat(truncated.events).containsExactly(
                new Event.Failure(1007, "text message ends inside a UTF-8 sequence"));
        assertThat(buffers.outstanding()).isZero();
    }

    @Test
    @DisplayName("a message reassembled in a MessageBuffers buffer is a read-only view, released after delivery")
    void pooledMessageIsReadOnlyView() {
        RecordingBuffers buffers = new RecordingBuffers(100);
        java.util.List<ByteBuffer> seen = new java.util.ArrayList<>();
        WebSocketEngine engine = new WebSocketEngine(Role.CLIENT, EngineConfig.defaults(), null, buffers, e -> {
            assertThat(buffers.outstanding()).isEqualTo(1);
            seen.add(((Event.Binary) e).data());
        }, (h, p) -> {});
        byte[] payload = new byte[1000];
        Arrays.fill(payload, (byte) 7);
        byte[] f = frameTo(Role.CLIENT, 0x82, payload);
        engine.receive(ByteBuffer.wrap(Arrays.copyOf(f, 300)));
        engine.receive(ByteBuffer.wrap(Arrays.copyOfRange(f, 300, f.length)));
        assertThat(seen).singleElement().satisfies(b -> {
            assertThat(b.isReadOnly()).isTrue();
            assertThat(b.isDirect()).isTrue();
            assertThat(b.remaining()).isEqualTo(1000);
        });
        assertThat(buffers.outstanding()).isZero();
    }

    private static long usedHeapAfterGc() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    @Test
    @DisplayName("config: limits are validated")
    void configValidation() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EngineConfig.builder().maxFramePayload(100))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EngineConfig.builder().maxMessageSize(0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(EngineConfig.defaults().maxMessageSize()).isEqualTo(16 << 20);
    }
}
