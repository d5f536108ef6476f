package io.duplex.bench.jmh;

import io.duplex.protocol.Masking;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Unmasking a payload in place (RFC 6455 section 5.3): {@link Masking} against the octet-at-a-time loop
 * one would write first. Each operation masks {@code size} octets, so bytes/s = ops/s x size. Masking is
 * an involution, so repeating it in place keeps the data meaningful without a reset per operation.
 *
 * <p>Thread-safety: JMH gives each benchmark thread its own instance (Scope.Thread).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class UnmaskBenchmark {

    @Param({"32", "1024", "65536"})
    public int size;

    private static final int KEY = 0x37fa213d;
    private final byte[] keyOctets = {0x37, (byte) 0xfa, 0x21, 0x3d};
    private byte[] heap;
    private ByteBuffer direct;

    @Setup
    public void setUp() {
        heap = new byte[size];
        new SplittableRandom(6455).nextBytes(heap);
        direct = ByteBuffer.allocateDirect(size).put(heap).clear();
    }

    @Benchmark
    public int duplexHeap() {
        return Masking.mask(heap, 0, size, KEY, 0);
    }

    @Benchmark
    public int naiveHeap() {
        byte[] a = heap;
        byte[] k = keyOctets;
        for (int i = 0; i < a.length; i++) {
            a[i] ^= k[i & 3];
        }
        return a.length & 3;
    }

    @Benchmark
    public int duplexDirect() {
        return Masking.mask(direct, 0, size, KEY, 0);
    }

    @Benchmark
    public int naiveDirect() {
        ByteBuffer b = direct;
        byte[] k = keyOctets;
        int n = size;
        for (int i = 0; i < n; i++) {
            b.put(i, (byte) (b.get(i) ^ k[i & 3]));
        }
        return n & 3;
    }
}
