package io.duplex.net;

import com.jcraft.jzlib.Deflater;
import com.jcraft.jzlib.GZIPException;
import com.jcraft.jzlib.JZlib;
import io.duplex.protocol.deflate.DeflateTail;
import io.duplex.protocol.deflate.DeflaterFactory;
import io.duplex.protocol.deflate.MessageDeflater;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * permessage-deflate compressors for every window size a peer may ask for (RFC 7692 section 7.1.2.1): the JDK's
 * native zlib for 15 bits, JZlib, which can limit its window, for 9 to 14. For 8 bits zlib's deflate cannot keep
 * every match within 256 bytes (zlib 1.2.9 stopped accepting 8 for that reason), so 8 is served with stored
 * blocks, which carry no back-references and therefore suit any window. Thread-safe.
 */
public final class JZlibDeflaterFactory implements DeflaterFactory {
    public static final JZlibDeflaterFactory INSTANCE = new JZlibDeflaterFactory();

    private JZlibDeflaterFactory() {}

    @Override
    public boolean supportsWindowBits(int bits) {
        return bits >= 8 && bits <= 15;
    }

    @Override
    public MessageDeflater create(int windowBits, int level) {
        if (windowBits == 15) {
            return DeflaterFactory.JDK.create(15, level);
        }
        if (windowBits < 8 || windowBits > 15) {
            throw new IllegalArgumentException("window bits must be 8-15");
        }
        return windowBits == 8 ? new JZlibDeflater(9, 0) : new JZlibDeflater(windowBits, level);
    }

    /** Not thread-safe. */
    private static final class JZlibDeflater implements MessageDeflater {
        private static final byte[] NO_INPUT = new byte[0];

        private final int bits;
        private final int level;
        private Deflater deflater;
        private byte[] out = new byte[1024];

        JZlibDeflater(int bits, int level) {
            this.bits = bits;
            this.level = level == -1 ? 6 : level;
            this.deflater = open();
        }

        private Deflater open() {
            try {
                return new Deflater(level, bits, true);
            } catch (GZIPException e) {
                throw new IllegalStateException("JZlib refused window " + bits + ": " + e.getMessage(), e);
            }
        }

        @Override
        public ByteBuffer deflate(ByteBuffer data) {
            byte[] in = new byte[data.remaining()];
            data.duplicate().get(in);
            deflater.setInput(in, 0, in.length, false);
            int n = 0;
            while (true) {
                if (n == out.length) {
                    out = Arrays.copyOf(out, out.length * 2);
                }
                deflater.setOutput(out, n, out.length - n);
                int rc = deflater.deflate(JZlib.Z_SYNC_FLUSH);
                if (rc != JZlib.Z_OK && rc != JZlib.Z_BUF_ERROR) {
                    throw new IllegalStateException("JZlib deflate failed: " + rc + " " + deflater.msg);
                }
                n = deflater.next_out_index;
                if (deflater.avail_out > 0 && deflater.avail_in == 0) {
                    break;
                }
            }
            // JZlib keeps a reference to its last input; drop it so a connection does not pin its last message.
            deflater.setInput(NO_INPUT, 0, 0, false);
            return DeflateTail.strip(out, n);
        }

        @Override
        public void reset() {
            deflater.end();
            deflater = open();
        }

        @Override
        public void release() {
            deflater.end();
        }
    }
}
