package io.duplex.protocol.deflate;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** The empty stored block {@code 00 00 ff ff} that a sync flush ends with (RFC 7692 sections 7.2.1 and 7.2.2). */
public final class DeflateTail {
    private DeflateTail() {}

    static final byte[] TAIL = {0, 0, (byte) 0xff, (byte) 0xff};

    /** The first {@code n} bytes of {@code out} without the tail, in a fresh buffer; at least one byte. */
    public static ByteBuffer strip(byte[] out, int n) {
        boolean tail = n >= 4 && out[n - 4] == 0 && out[n - 3] == 0 && out[n - 2] == (byte) 0xff
                && out[n - 1] == (byte) 0xff;
        int len = tail ? n - 4 : n;
        if (len == 0) {
            // 7.2.3.6: an empty message compresses to a single 0x00 octet.
            return ByteBuffer.wrap(new byte[] {0});
        }
        return ByteBuffer.wrap(Arrays.copyOf(out, len));
    }
}
