package io.duplex.bench.jmh;

import io.duplex.protocol.Utf8Validator;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
 * Validating a complete text message (RFC 6455 section 8.1): {@link Utf8Validator} against a plain
 * octet-at-a-time state machine with no fast path, and the JDK's decode into a String as a reference
 * (it does more work, building the String, but is what a naive endpoint would call). Each operation
 * reads {@code size} octets, so bytes/s = ops/s x size.
 *
 * <p>Thread-safety: JMH gives each benchmark thread its own instance (Scope.Thread).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class Utf8Benchmark {

    @Param({"1024", "65536"})
    public int size;

    /** ascii: English only; mixed: English with accented Latin, Cyrillic, CJK and emoji. */
    @Param({"ascii", "mixed"})
    public String text;

    private static final String ASCII_SAMPLE =
            "The quick brown fox jumps over the lazy dog; a WebSocket text frame carries chat, JSON "
            + "and log lines like {\"user\":\"ada\",\"seq\":42,\"ok\":true}.\n";
    private static final String MIXED_SAMPLE =
            "Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e, na\u00efve fa\u00e7ade; \u041f\u0440\u0438\u0432\u0435"
            + "\u0442, \u043c\u0438\u0440! \u4f60\u597d\uff0c\u4e16\u754c\u3002 The meeting moved to "
            + "Tuesday \uD83D\uDE00\uD83D\uDE80 \u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8 and more "
            + "plain English words between them.\n";

    private byte[] bytes;
    private ByteBuffer direct;

    @Setup
    public void setUp() {
        String sample = text.equals("ascii") ? ASCII_SAMPLE : MIXED_SAMPLE;
        StringBuilder sb = new StringBuilder();
        while (sb.toString().getBytes(StandardCharsets.UTF_8).length < size) {
            sb.append(sample);
        }
        // Cut at a code point boundary no later than size, then pad with spaces to exactly size.
        byte[] all = sb.toString().getBytes(StandardCharsets.UTF_8);
        int end = size;
        while (end < all.length && (all[end] & 0xC0) == 0x80) {
            end--;
        }
        bytes = new byte[size];
        System.arraycopy(all, 0, bytes, 0, end);
        java.util.Arrays.fill(bytes, end, size, (byte) ' ');
        if (!Utf8Validator.isValid(bytes, 0, size) || !naive(bytes, 0, size)) {
            throw new IllegalStateException("benchmark input is not valid UTF-8");
        }
        direct = ByteBuffer.allocateDirect(size).put(bytes).clear();
    }

    @Benchmark
    public boolean duplexHeap() {
        return Utf8Validator.isValid(bytes, 0, size);
    }

    @Benchmark
    public int duplexDirect() {
        return Utf8Validator.validate(Utf8Validator.ACCEPT, direct, 0, size);
    }

    @Benchmark
    public boolean naive() {
        return naive(bytes, 0, size);
    }

    @Benchmark
    public String jdkNewString() {
        return new String(bytes, 0, size, StandardCharsets.UTF_8);
    }

    /**
     * The validator one writes first: per octet, either start a sequence (remembering how many
     * continuation octets it needs and the allowed range of the next one, RFC 3629 section 4) or check
     * a continuation. No table and no multi-octet fast path.
     */
    static boolean naive(byte[] a, int from, int to) {
        int need = 0;
        int lo = 0x80;
        int hi = 0xBF;
        for (int i = from; i < to; i++) {
            int b = a[i] & 0xFF;
            if (need == 0) {
                if (b < 0x80) {
                    continue;
                } else if (b >= 0xC2 && b <= 0xDF) {
                    need = 1;
                } else if (b == 0xE0) {
                    need = 2;
                    lo = 0xA0;
                } else if (b == 0xED) {
                    need = 2;
                    hi = 0x9F;
                } else if (b >= 0xE1 && b <= 0xEF) {
                    need = 2;
                } else if (b == 0xF0) {
                    need = 3;
                    lo = 0x90;
                } else if (b == 0xF4) {
                    need = 3;
                    hi = 0x8F;
                } else if (b >= 0xF1 && b <= 0xF3) {
                    need = 3;
                } else {
                    return false;
                }
            } else {
                if (b < lo || b > hi) {
                    return false;
                }
                lo = 0x80;
                hi = 0xBF;
                need--;
            }
        }
        return need == 0;
    }
}
