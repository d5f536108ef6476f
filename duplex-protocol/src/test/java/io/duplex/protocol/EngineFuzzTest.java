package io.duplex.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Coverage-guided fuzzing of the frame decoder: arbitrary bytes, in arbitrary chunks, to either role. The only
 * acceptable outcomes are the engine's documented ones: message and control events, the peer's close, or a
 * failure with 1002, 1007 or 1009 after which nothing more is reported; every buffer lent by a
 * {@link MessageBuffers} is given back once the stream ends. Any exception is a bug.
 */
class EngineFuzzTest {
    private static final Set<Integer> FAILURE_CODES = Set.of(1002, 1007, 1009);

    @FuzzTest
    void decode(FuzzedDataProvider data) {
        Role role = data.consumeBoolean() ? Role.SERVER : Role.CLIENT;
        EngineConfig config = EngineConfig.builder()
                .maxFramePayload(data.consumeInt(125, 4096))
                .maxMessageSize(data.consumeInt(1, 8192))
                .extensionRsvBits(data.consumeBoolean() ? WebSocketProtocol.B0_RSV1 : 0)
                .maskKeySource(() -> 0x01020304)
                .build();
        List<Event> events = new ArrayList<>();
        List<ByteBuffer> sent = new ArrayList<>();
        // Half the runs reassemble from a few bytes on in lent buffers, the path of large messages at run time.
        RecordingBuffers buffers = data.consumeBoolean() ? new RecordingBuffers(data.consumeInt(1, 256)) : null;
        WebSocketEngine engine = new WebSocketEngine(role, config, null, buffers, events::add, (h, p) -> sent.add(h));
        while (data.remainingBytes() > 0) {
            int n = data.consumeInt(1, 64);
            ByteBuffer in = ByteBuffer.wrap(data.consumeBytes(n));
            engine.receive(in);
            assertThat(in.hasRemaining()).isFalse();
        }
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            if (e instanceof Event.Failure f) {
                assertThat(FAILURE_CODES).contains(f.code());
                assertThat(i).isEqualTo(events.size() - 1);
                assertThat(engine.closeState()).isEqualTo(CloseState.FAILED);
            } else if (e instanceof Event.CloseReceived c) {
                assertThat(c.code() == CloseCodes.NO_STATUS || CloseCodes.isValidOnWire(c.code())).isTrue();
                assertThat(i).isEqualTo(events.size() - 1);
                assertThat(engine.closeState()).isEqualTo(CloseState.CLOSED);
            }
        }
        assertThat(sent.size()).isLessThanOrEqualTo(events.size());
        engine.receiveEof();
        if (buffers != null) {
            assertThat(buffers.outstanding()).isZero();
        }
    }
}
