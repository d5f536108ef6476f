package io.duplex.protocol;

import java.nio.ByteBuffer;

/** Placeholder; replaced by the optimised implementation. */
public final class Masking {
    private Masking() {}

    public static int mask(byte[] a, int from, int to, int maskKey, int phase) {
        for (int i = from; i < to; i++) {
            a[i] ^= (byte) (maskKey >>> (24 - 8 * phase));
            phase = (phase + 1) & 3;
        }
        return phase;
    }

    public static int mask(ByteBuffer buf, int from, int to, int maskKey, int phase) {
        for (int i = from; i < to; i++) {
            buf.put(i, (byte) (buf.get(i) ^ (maskKey >>> (24 - 8 * phase))));
            phase = (phase + 1) & 3;
        }
        return phase;
    }

    public static int maskCopy(ByteBuffer src, int srcFrom, ByteBuffer dst, int dstFrom, int len, int maskKey, int phase) {
        for (int i = 0; i < len; i++) {
            dst.put(dstFrom + i, (byte) (src.get(srcFrom + i) ^ (maskKey >>> (24 - 8 * phase))));
            phase = (phase + 1) & 3;
        }
        return phase;
    }
}
