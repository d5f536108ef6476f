package io.duplex.protocol.deflate;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.duplex.protocol.CloseState;
import io.duplex.protocol.EngineConfig;
import io.duplex.protocol.Event;
import io.duplex.protocol.Role;
import io.duplex.protocol.WebSocketEngine;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Coverage-guided fuzzing of the inflating decoder (RFC 7692): arbitrary frames, many with RSV1 and DEFLATE-like
 * payloads, to an engine that negotiated permessage-deflate with random parameters and a small message limit. The
 * only acceptable outcomes are messages no larger than the limit, the peer's close, or a failure with 1002, 1007
 * or 1009. Any exception is a bug.
 */
class InflatingDecoderFuzzTest {
    private static final Set<Integer> FAILURE_CODES = Set.of(1002, 1007, 1009);

    @FuzzTest
    void inflate(FuzzedDataProvider data) {
        Role role = data.consumeBoolean() ? Role.SERVER : Role.CLIENT;
        int limit = data.consumeInt(1, 4096);
        DeflateParams params = new DeflateParams(data.consumeBoolean(), data.consumeBoolean(), 15, 15);
        EngineConfig config = EngineConfig.builder().maxMessageSize(limit).maxFramePayload(4096)
                .maskKeySource(() -> 0).build();
        List<Event> events = new ArrayList<>();
        WebSocketEngine engine = new WebSocketEngine(role, config,
                PerMessageDeflate.defaults().codec(role, params), events::add, (h, p) -> {});
        while (data.remainingBytes() > 0) {
            // Build a frame from fuzzed parts so RSV1 and compressed payloads are common, not rare.
            int b0 = data.consumeInt(0, 255);
            byte[] payload = data.consumeBytes(data.consumeInt(0, 300));
            ByteBuffer f = ByteBuffer.allocate(payload.length + 14);
            f.put((byte) b0);
            int mask = role == Role.SERVER ? 0x80 : 0;
            if (payload.length < 126) {
                f.put((byte) (mask | payload.length));
            } else {
                f.put((byte) (mask | 126)).putShort((short) payload.length);
            }
            if (role == Role.SERVER) {
                f.putInt(0);
            }
            f.put(payload).flip();
            engine.receive(f);
            assertThat(f.hasRemaining()).isFalse();
        }
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            if (e instanceof Event.Failure failure) {
                assertThat(FAILURE_CODES).contains(failure.code());
                assertThat(i).isEqualTo(events.size() - 1);
                assertThat(engine.closeState()).isEqualTo(CloseState.FAILED);
            } else if (e instanceof Event.Text t) {
                assertThat(t.text().length()).isLessThanOrEqualTo(limit);
            } else if (e instanceof Event.Binary b) {
                assertThat(b.data().remaining()).isLessThanOrEqualTo(limit);
            }
        }
    }
}
