package io.duplex.protocol.deflate;

import java.nio.ByteBuffer;
import java.util.zip.Deflater;

/** {@link MessageDeflater} on the JDK's zlib, 15 window bits. Not thread-safe. */
final class JdkMessageDeflater implements MessageDeflater {
    private static final byte[] NO_INPUT = new byte[0];

    private final Deflater deflater;
    private byte[] out = new byte[1024];

    JdkMessageDeflater(int level) {
        // nowrap: raw DEFLATE without zlib header or checksum, as RFC 7692 section 7.2.1 requires.
        this.deflater = new Deflater(level, true);
    }

    @Override
    public ByteBuffer deflate(ByteBuffer data) {
        deflater.setInput(data.duplicate());
        int n = 0;
        while (true) {
            if (n == out.length) {
                out = java.util.Arrays.copyOf(out, out.length * 2);
            }
            n += deflater.deflate(out, n, out.length - n, Deflater.SYNC_FLUSH);
            // A sync flush that filled the buffer exactly may have more to say: loop until it leaves room.
            if (n < out.length && deflater.needsInput()) {
                break;
            }
        }
        // Deflater keeps a reference to its last input; drop it, or a connection compressing with context
        // takeover pins its last outgoing message (up to the message limit) until it sends the next one.
        deflater.setInput(NO_INPUT);
        return DeflateTail.strip(out, n);
    }

    @Override
    public void reset() {
        deflater.reset();
    }

    @Override
    public void release() {
        deflater.end();
    }
}
