package io.duplex.protocol;

import static io.duplex.protocol.WebSocketProtocol.B0_FIN;
import static io.duplex.protocol.WebSocketProtocol.B1_MASK;
import static io.duplex.protocol.WebSocketProtocol.LENGTH_16;
import static io.duplex.protocol.WebSocketProtocol.LENGTH_64;

import java.nio.ByteBuffer;

/**
 * Writes frame headers and whole frames (RFC 6455 section 5.2). Stateless and thread-safe.
 *
 * <p>Lengths always use the shortest form, as section 5.2 requires of senders.
 */
public final class FrameEncoder {
    private FrameEncoder() {}

    /** Bytes a header takes for a payload of {@code length} bytes, with or without a masking key. */
    public static int headerLength(long length, boolean masked) {
        int n = length < LENGTH_16 ? 2 : length <= 0xFFFF ? 4 : 10;
        return masked ? n + 4 : n;
    }

    /**
     * Writes a header at {@code dst}'s position and advances it.
     *
     * @param b0 first byte: FIN, RSV bits and opcode
     * @param masked whether to set MASK and append {@code maskKey} (big-endian, as on the wire)
     */
    public static void writeHeader(ByteBuffer dst, int b0, long length, boolean masked, int maskKey) {
        int maskBit = masked ? B1_MASK : 0;
        dst.put((byte) b0);
        if (length < LENGTH_16) {
            dst.put((byte) (maskBit | (int) length));
        } else if (length <= 0xFFFF) {
            dst.put((byte) (maskBit | LENGTH_16));
            dst.putShort((short) length);
        } else {
            dst.put((byte) (maskBit | LENGTH_64));
            dst.putLong(length);
        }
        if (masked) {
            dst.putInt(maskKey);
        }
    }

    /** A fresh, flipped buffer holding just a header. */
    public static ByteBuffer header(int b0, long length, boolean masked, int maskKey) {
        ByteBuffer h = ByteBuffer.allocate(headerLength(length, masked));
        writeHeader(h, b0, length, masked, maskKey);
        return h.flip();
    }

    /**
     * A complete unmasked (server) frame with a copy of {@code payload}'s remaining bytes: used to encode a
     * message once and write it to many connections. {@code payload}'s position is not changed.
     */
    public static ByteBuffer serverFrame(int opcode, boolean fin, ByteBuffer payload) {
        int len = payload.remaining();
        ByteBuffer frame = ByteBuffer.allocate(headerLength(len, false) + len);
        writeHeader(frame, (fin ? B0_FIN : 0) | opcode, len, false, 0);
        frame.put(payload.duplicate());
        return frame.flip();
    }

    /**
     * A complete masked (client) frame: header plus a masked copy of {@code payload}'s remaining bytes.
     * {@code payload} is not changed.
     */
    public static ByteBuffer clientFrame(int b0, ByteBuffer payload, int maskKey) {
        int len = payload.remaining();
        int hl = headerLength(len, true);
        ByteBuffer frame = ByteBuffer.allocate(hl + len);
        writeHeader(frame, b0, len, true, maskKey);
        Masking.maskCopy(payload, payload.position(), frame, hl, len, maskKey, 0);
        frame.position(hl + len);
        return frame.flip();
    }
}
