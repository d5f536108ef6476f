package io.duplex.protocol;

import java.nio.ByteBuffer;

/** Placeholder; replaced by the optimised implementation. */
public final class Utf8Validator {
    private Utf8Validator() {}

    public static final int ACCEPT = 0;
    public static final int REJECT = -1;

    // state: 0 accept; otherwise (need << 16) | (lower << 8) | upper for the next byte
    public static int validate(int state, ByteBuffer buf, int from, int to) {
        for (int i = from; i < to && state != REJECT; i++) {
            state = step(state, buf.get(i) & 0xff);
        }
        return state;
    }

    public static int validate(int state, byte[] a, int from, int to) {
        for (int i = from; i < to && state != REJECT; i++) {
            state = step(state, a[i] & 0xff);
        }
        return state;
    }

    public static boolean isValid(byte[] a, int from, int to) {
        return validate(ACCEPT, a, from, to) == ACCEPT;
    }

    private static int step(int state, int b) {
        if (state == ACCEPT) {
            if (b < 0x80) return ACCEPT;
            if (b >= 0xC2 && b <= 0xDF) return pack(1, 0x80, 0xBF);
            if (b == 0xE0) return pack(2, 0xA0, 0xBF);
            if (b == 0xED) return pack(2, 0x80, 0x9F);
            if (b >= 0xE1 && b <= 0xEF) return pack(2, 0x80, 0xBF);
            if (b == 0xF0) return pack(3, 0x90, 0xBF);
            if (b >= 0xF1 && b <= 0xF3) return pack(3, 0x80, 0xBF);
            if (b == 0xF4) return pack(3, 0x80, 0x8F);
            return REJECT;
        }
        int need = state >>> 16, lo = (state >>> 8) & 0xff, hi = state & 0xff;
        if (b < lo || b > hi) return REJECT;
        return need == 1 ? ACCEPT : pack(need - 1, 0x80, 0xBF);
    }

    private static int pack(int need, int lo, int hi) {
        return (need << 16) | (lo << 8) | hi;
    }
}
