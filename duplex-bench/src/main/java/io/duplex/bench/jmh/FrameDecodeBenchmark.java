package io.duplex.bench.jmh;

import io.duplex.protocol.EngineConfig;
import io.duplex.protocol.Event;
import io.duplex.protocol.FrameEncoder;
import io.duplex.protocol.Role;
import io.duplex.protocol.WebSocketEngine;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Server-side decoding of masked client frames: one read buffer holding {@link #FRAMES} frames of {@code size}
 * payload bytes, parsed by {@link WebSocketEngine#receive} (header parse, unmask, UTF-8 check for text, event)
 * against a naive decoder that parses the same header and unmasks and copies octet by octet. One operation is one
 * frame, so frames/s = ops/s and bytes/s = ops/s x size.
 *
 * <p>Text frames use the masking key 0, so unmasking in place (which the engine does) leaves valid UTF-8 for the
 * next invocation while still doing the full XOR work.
 *
 * <p>Thread-safety: Scope.Thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FrameDecodeBenchmark {
    static final int FRAMES = 64;

    @Param({"32", "65536"})
    public int size;

    @Param({"binary", "text"})
    public String kind;

    private ByteBuffer wire;
    private WebSocketEngine engine;
    private Blackhole sink;
    private byte[] naiveOut;

    @Setup
    public void setUp(Blackhole bh) {
        sink = bh;
        boolean text = kind.equals("text");
        byte[] payload = new byte[size];
        for (int i = 0; i < size; i++) {
            payload[i] = (byte) ('a' + i % 26);
        }
        int maskKey = text ? 0 : 0x37fa213d;
        int frameLen = FrameEncoder.headerLength(size, true) + size;
        wire = ByteBuffer.allocateDirect(frameLen * FRAMES);
        for (int f = 0; f < FRAMES; f++) {
            FrameEncoder.writeHeader(wire, 0x80 | (text ? 1 : 2), size, true, maskKey);
            wire.put(payload);
        }
        wire.flip();
        EngineConfig config = EngineConfig.builder().maxFramePayload(1 << 20).maxMessageSize(1 << 20).build();
        engine = new WebSocketEngine(Role.SERVER, config, this::consume, (h, p) -> {});
        naiveOut = new byte[size];
    }

    private void consume(Event e) {
        sink.consume(e);
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public void duplex() {
        wire.clear();
        engine.receive(wire);
    }

    /** Header parse, then unmask and copy one octet at a time: the loop a first implementation would write. */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public void naive(Blackhole bh) {
        ByteBuffer in = wire;
        int pos = 0;
        int limit = in.capacity();
        byte[] out = naiveOut;
        while (pos < limit) {
            int b1 = in.get(pos + 1) & 0xff;
            int len = b1 & 0x7f;
            int at = pos + 2;
            if (len == 126) {
                len = in.getShort(at) & 0xffff;
                at += 2;
            } else if (len == 127) {
                len = (int) in.getLong(at);
                at += 8;
            }
            byte[] key = {in.get(at), in.get(at + 1), in.get(at + 2), in.get(at + 3)};
            at += 4;
            for (int i = 0; i < len; i++) {
                out[i] = (byte) (in.get(at + i) ^ key[i & 3]);
            }
            bh.consume(out);
            pos = at + len;
        }
    }
}
