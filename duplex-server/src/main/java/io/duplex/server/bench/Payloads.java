package io.duplex.server.bench;

import static io.duplex.protocol.WebSocketProtocol.B0_FIN;
import static io.duplex.protocol.WebSocketProtocol.OPCODE_BINARY;
import static io.duplex.protocol.WebSocketProtocol.OPCODE_TEXT;

import io.duplex.protocol.FrameEncoder;
import java.nio.ByteBuffer;

/**
 * The payloads the generator sends: a fixed ASCII pattern (valid UTF-8, so the same bytes serve text and
 * binary) whose first bytes carry a number, a sequence number or a send timestamp. Binary carries the number
 * as 8 big-endian bytes, text as 16 lowercase hex digits; a payload shorter than that carries the low-order
 * part. Frames are encoded and masked once; afterwards only the number is patched in place.
 *
 * <p>Thread-safety: stateless.
 */
final class Payloads {
    private Payloads() {}

    static int opcode(boolean text) {
        return text ? OPCODE_TEXT : OPCODE_BINARY;
    }

    /** Bytes a whole number takes in a payload. */
    static int numberWidth(boolean text) {
        return text ? 16 : 8;
    }

    static byte[] pattern(int size) {
        byte[] p = new byte[size];
        for (int i = 0; i < size; i++) {
            p[i] = (byte) ('a' + i % 26);
        }
        return p;
    }

    /** Writes the low-order {@code len} bytes of {@code value}'s encoding to {@code dst} at {@code off}. */
    static void putNumber(byte[] dst, int off, int len, long value, boolean text) {
        int w = numberWidth(text);
        for (int k = 0; k < len; k++) {
            int j = w - len + k;
            dst[off + k] = text
                    ? (byte) Character.forDigit((int) (value >>> (4 * (w - 1 - j))) & 0xF, 16)
                    : (byte) (value >>> (8 * (w - 1 - j)));
        }
    }

    /** Reads a number written by {@link #putNumber} with its full width; -1 if text digits are not hex. */
    static long getNumber(byte[] src, int off, boolean text) {
        long v = 0;
        for (int k = 0; k < numberWidth(text); k++) {
            if (text) {
                int d = Character.digit(src[off + k], 16);
                if (d < 0) {
                    return -1;
                }
                v = v << 4 | d;
            } else {
                v = v << 8 | (src[off + k] & 0xFF);
            }
        }
        return v;
    }

    /** A complete masked frame (FIN set) with {@code payload}, ready to be written again and again. */
    static ByteBuffer frame(boolean text, byte[] payload, int maskKey) {
        return FrameEncoder.clientFrame(B0_FIN | opcode(text), ByteBuffer.wrap(payload), maskKey);
    }

    /**
     * Overwrites {@code len} payload bytes of a masked frame from payload offset {@code at} with
     * {@code src[srcOff..]}, masking them with the frame's key (section 5.3: byte i uses key byte i mod 4).
     */
    static void patch(ByteBuffer frame, int payloadLength, int at, byte[] src, int srcOff, int len, int maskKey) {
        int start = frame.limit() - payloadLength;
        for (int k = 0; k < len; k++) {
            int i = at + k;
            byte m = (byte) (maskKey >>> (24 - 8 * (i & 3)));
            frame.put(start + i, (byte) (src[srcOff + k] ^ m));
        }
    }
}
