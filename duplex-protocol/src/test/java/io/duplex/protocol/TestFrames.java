package io.duplex.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Byte-vector helpers for engine tests: builds frames by hand and records what an engine does. */
final class TestFrames {
    private TestFrames() {}

    static final int TEST_MASK = 0x37fa213d;

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A frame as a peer of {@code receiver} would send it: masked when the receiver is a server. */
    static byte[] frameTo(Role receiver, int b0, byte[] payload) {
        return frame(b0, payload, receiver == Role.SERVER, TEST_MASK);
    }

    static byte[] frame(int b0, byte[] payload, boolean masked, int maskKey) {
        ByteBuffer b = ByteBuffer.allocate(FrameEncoder.headerLength(payload.length, masked) + payload.length);
        FrameEncoder.writeHeader(b, b0, payload.length, masked, maskKey);
        int start = b.position();
        b.put(payload);
        if (masked) {
            Masking.mask(b, start, b.position(), maskKey, 0);
        }
        return b.array();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] closePayload(int code, String reason) {
        return concat(new byte[] {(byte) (code >> 8), (byte) code}, utf8(reason));
    }

    /** An engine with a recorder of its events and of the bytes it sends. */
    static final class Harness {
        final List<Event> events = new ArrayList<>();
        final ByteArrayOutputStream sent = new ByteArrayOutputStream();
        final WebSocketEngine engine;

        Harness(Role role) {
            this(role, EngineConfig.builder().maskKeySource(() -> TEST_MASK).build());
        }

        Harness(Role role, EngineConfig config) {
            this(role, config, null);
        }

        Harness(Role role, EngineConfig config, MessageBuffers buffers) {
            engine = new WebSocketEngine(role, config, null, buffers, e -> events.add(copy(e)), (h, p) -> {
                sent.writeBytes(bytes(h));
                if (p != null) {
                    sent.writeBytes(bytes(p));
                }
            });
        }

        Harness feed(byte[]... chunks) {
            for (byte[] c : chunks) {
                ByteBuffer in = ByteBuffer.wrap(c.clone());
                engine.receive(in);
                if (in.hasRemaining()) {
                    throw new AssertionError("engine left " + in.remaining() + " bytes unconsumed");
                }
            }
            return this;
        }

        byte[] sentBytes() {
            return sent.toByteArray();
        }

        Event last() {
            return events.get(events.size() - 1);
        }
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    /** Events may hold views of the input buffer; tests keep copies. */
    static Event copy(Event e) {
        if (e instanceof Event.Binary b) {
            return new Event.Binary(ByteBuffer.wrap(bytes(b.data())));
        }
        return e;
    }
}
