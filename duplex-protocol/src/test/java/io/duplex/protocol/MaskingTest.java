package io.duplex.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class MaskingTest {

    /** Section 5.3 spelled out octet by octet: the oracle every fast path is compared with. */
    private static int naiveMask(byte[] a, int from, int to, int maskKey, int phase) {
        for (int i = from; i < to; i++) {
            int k = (phase + i - from) & 3;
            a[i] ^= (byte) (maskKey >>> (24 - 8 * k));
        }
        return (phase + to - from) & 3;
    }

    /** A payload with room before and after it, so that writes outside the range would show. */
    record Case(byte[] data, int from, int to, int maskKey, int phase) {}

    @Provide
    Arbitrary<Case> cases() {
        return Combinators.combine(
                        Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(300),
                        Arbitraries.integers().between(0, 20),
                        Arbitraries.integers().between(0, 20),
                        Arbitraries.integers(),
                        Arbitraries.integers().between(0, 3))
                .as((payload, before, after, key, phase) -> {
                    byte[] data = new byte[before + payload.length + after];
                    Arrays.fill(data, (byte) 0x5A);
                    System.arraycopy(payload, 0, data, before, payload.length);
                    return new Case(data, before, before + payload.length, key, phase);
                });
    }

    private static byte[] expected(Case c) {
        byte[] e = c.data().clone();
        naiveMask(e, c.from(), c.to(), c.maskKey(), c.phase());
        return e;
    }

    @Property
    void arrayMatchesNaive(@ForAll("cases") Case c) {
        byte[] a = c.data().clone();
        int phase = Masking.mask(a, c.from(), c.to(), c.maskKey(), c.phase());
        assertThat(a).isEqualTo(expected(c));
        assertThat(phase).isEqualTo((c.phase() + c.to() - c.from()) & 3);
    }

    @Property
    void bufferMatchesNaive(@ForAll("cases") Case c, @ForAll boolean direct) {
        ByteBuffer buf = bufferOf(c.data(), direct);
        int position = Math.min(3, buf.capacity());
        buf.position(position); // absolute indices: the position must not matter
        int phase = Masking.mask(buf, c.from(), c.to(), c.maskKey(), c.phase());
        assertThat(contents(buf)).isEqualTo(expected(c));
        assertThat(phase).isEqualTo((c.phase() + c.to() - c.from()) & 3);
        assertThat(buf.position()).isEqualTo(position);
    }

    @Property
    void slicedHeapBufferHonoursArrayOffset(@ForAll("cases") Case c) {
        byte[] backing = new byte[c.data().length + 7];
        System.arraycopy(c.data(), 0, backing, 7, c.data().length);
        ByteBuffer slice = ByteBuffer.wrap(backing, 7, c.data().length).slice();
        Masking.mask(slice, c.from(), c.to(), c.maskKey(), c.phase());
        assertThat(Arrays.copyOfRange(backing, 7, backing.length)).isEqualTo(expected(c));
        assertThat(Arrays.copyOf(backing, 7)).containsOnly(0);
    }

    @Property
    void maskCopyMatchesNaiveAndLeavesSourceAlone(@ForAll("cases") Case c, @ForAll boolean srcDirect,
                                                  @ForAll boolean dstDirect, @ForAll boolean srcReadOnly,
                                                  @ForAll @IntRange(max = 9) int dstFrom) {
        ByteBuffer src = bufferOf(c.data(), srcDirect);
        if (srcReadOnly) {
            src = src.asReadOnlyBuffer();
        }
        int len = c.to() - c.from();
        ByteBuffer dst = bufferOf(new byte[dstFrom + len + 5], dstDirect);

        int phase = Masking.maskCopy(src, c.from(), dst, dstFrom, len, c.maskKey(), c.phase());

        assertThat(contents(src)).isEqualTo(c.data());
        byte[] want = new byte[dst.capacity()];
        System.arraycopy(expected(c), c.from(), want, dstFrom, len);
        assertThat(contents(dst)).isEqualTo(want);
        assertThat(phase).isEqualTo((c.phase() + len) & 3);
    }

    /** A payload arriving in several reads: carrying the phase must give the same bytes as one call. */
    @Property
    void splitIntoPiecesWithPhaseCarried(@ForAll("cases") Case c, @ForAll List<@IntRange(max = 300) Integer> cuts,
                                         @ForAll @IntRange(max = 2) int kind) {
        TreeSet<Integer> points = new TreeSet<>();
        for (int cut : cuts) {
            points.add(c.from() + cut % (c.to() - c.from() + 1));
        }
        points.add(c.to());
        byte[] a = c.data().clone();
        ByteBuffer direct = bufferOf(c.data(), true);
        ByteBuffer copy = ByteBuffer.allocateDirect(a.length);
        ByteBuffer src = ByteBuffer.wrap(c.data()).asReadOnlyBuffer();
        int phase = c.phase();
        int start = c.from();
        for (int end : points) {
            phase = switch (kind) {
                case 0 -> Masking.mask(a, start, end, c.maskKey(), phase);
                case 1 -> Masking.mask(direct, start, end, c.maskKey(), phase);
                default -> Masking.maskCopy(src, start, copy, start, end - start, c.maskKey(), phase);
            };
            start = end;
        }
        byte[] got = switch (kind) {
            case 0 -> a;
            case 1 -> contents(direct);
            default -> {
                byte[] g = contents(copy);
                System.arraycopy(c.data(), 0, g, 0, c.from());
                System.arraycopy(c.data(), c.to(), g, c.to(), g.length - c.to());
                yield g;
            }
        };
        assertThat(got).isEqualTo(expected(c));
        assertThat(phase).isEqualTo((c.phase() + c.to() - c.from()) & 3);
    }

    @Property
    void maskingTwiceRestores(@ForAll("cases") Case c, @ForAll boolean direct) {
        ByteBuffer buf = bufferOf(c.data(), direct);
        Masking.mask(buf, c.from(), c.to(), c.maskKey(), c.phase());
        Masking.mask(buf, c.from(), c.to(), c.maskKey(), c.phase());
        assertThat(contents(buf)).isEqualTo(c.data());
    }

    /** RFC 6455 section 5.7: "A single-frame masked text message", key 37 fa 21 3d. */
    @Test
    void rfcMaskedHelloExample() {
        byte[] frame = HexFormat.of().parseHex("818537fa213d7f9f4d5158");
        int key = ByteBuffer.wrap(frame, 2, 4).getInt();
        assertThat(key).isEqualTo(0x37fa213d);

        int phase = Masking.mask(frame, 6, 11, key, 0);

        assertThat(new String(frame, 6, 5, StandardCharsets.US_ASCII)).isEqualTo("Hello");
        assertThat(phase).isEqualTo(1);
    }

    @Test
    void rfcHelloExampleAcrossTwoReadsAndDirect() {
        ByteBuffer buf = ByteBuffer.allocateDirect(5).put(HexFormat.of().parseHex("7f9f4d5158"));
        int phase = Masking.mask(buf, 0, 2, 0x37fa213d, 0);
        phase = Masking.mask(buf, 2, 5, 0x37fa213d, phase);
        assertThat(new String(contents(buf), StandardCharsets.US_ASCII)).isEqualTo("Hello");
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> Masking.mask(new byte[4], 0, 4, 1, 4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Masking.mask(new byte[4], 0, 4, 1, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Masking.mask(new byte[4], 2, 5, 1, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Masking.mask(new byte[4], 3, 2, 1, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        ByteBuffer limited = ByteBuffer.allocateDirect(16).limit(8);
        assertThatThrownBy(() -> Masking.mask(limited, 0, 9, 1, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Masking.maskCopy(limited, 0, ByteBuffer.allocate(4), 0, 5, 1, 0))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Masking.mask(ByteBuffer.allocate(8).asReadOnlyBuffer(), 0, 8, 1, 0))
                .isInstanceOf(ReadOnlyBufferException.class);
    }

    private static ByteBuffer bufferOf(byte[] data, boolean direct) {
        ByteBuffer b = direct ? ByteBuffer.allocateDirect(data.length) : ByteBuffer.allocate(data.length);
        b.put(data).clear();
        return b;
    }

    private static byte[] contents(ByteBuffer b) {
        byte[] out = new byte[b.capacity()];
        b.duplicate().clear().get(out);
        return out;
    }
}
