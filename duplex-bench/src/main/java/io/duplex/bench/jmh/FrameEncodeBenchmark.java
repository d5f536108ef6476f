package io.duplex.bench.jmh;

import io.duplex.protocol.EngineConfig;
import io.duplex.protocol.Role;
import io.duplex.protocol.WebSocketEngine;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Encoding one binary message: a server frame (header only, payload referenced) and a client frame (header plus a
 * masked copy), against a naive client encoder that masks octet by octet. One operation is one frame.
 *
 * <p>Thread-safety: Scope.Thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FrameEncodeBenchmark {

    @Param({"32", "65536"})
    public int size;

    private ByteBuffer payload;
    private WebSocketEngine server;
    private WebSocketEngine client;
    private Blackhole sink;

    @Setup
    public void setUp(Blackhole bh) {
        sink = bh;
        payload = ByteBuffer.allocate(size);
        EngineConfig config = EngineConfig.builder().maskKeySource(() -> 0x37fa213d).build();
        server = new WebSocketEngine(Role.SERVER, config, e -> {}, this::frame);
        client = new WebSocketEngine(Role.CLIENT, config, e -> {}, this::frame);
    }

    private void frame(ByteBuffer header, ByteBuffer body) {
        sink.consume(header);
        sink.consume(body);
    }

    @Benchmark
    public boolean duplexServer() {
        return server.sendBinary(payload);
    }

    @Benchmark
    public boolean duplexClient() {
        return client.sendBinary(payload);
    }

    @Benchmark
    public ByteBuffer naiveClient() {
        ByteBuffer p = payload;
        int len = p.remaining();
        ByteBuffer out = ByteBuffer.allocate(len + 14);
        out.put((byte) 0x82);
        if (len < 126) {
            out.put((byte) (0x80 | len));
        } else if (len <= 0xffff) {
            out.put((byte) (0x80 | 126)).putShort((short) len);
        } else {
            out.put((byte) (0x80 | 127)).putLong(len);
        }
        byte[] key = {0x37, (byte) 0xfa, 0x21, 0x3d};
        out.put(key);
        for (int i = 0; i < len; i++) {
            out.put((byte) (p.get(i) ^ key[i & 3]));
        }
        return out.flip();
    }
}
