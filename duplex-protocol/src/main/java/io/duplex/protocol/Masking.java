package io.duplex.protocol;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Payload masking of RFC 6455 section 5.3: octet {@code i} of the payload is XORed with octet
 * {@code i mod 4} of the masking key. Masking and unmasking are the same operation.
 *
 * <p>The key is an {@code int} in network byte order, exactly as the four key octets follow the length
 * in the frame header: its most significant byte is key octet 0. Because a payload can arrive across
 * several reads, every method takes a {@code phase} in 0..3, the number of payload octets already masked
 * before {@code from} modulo 4, and returns the phase after the last octet it masked, so that the caller
 * can pass it to the next call.
 *
 * <p>The methods work eight octets at a time through {@code long} views and fall back to single octets
 * only for the ragged ends; they never allocate. Indices are absolute: a buffer's position and limit are
 * neither read nor changed, but (as for any absolute {@link ByteBuffer} access) the range must lie below
 * its limit.
 *
 * <p>Thread-safety: stateless and safe to call from any thread; callers must not let another thread touch
 * the bytes being masked during a call.
 */
public final class Masking {
    private Masking() {}

    // Little-endian views: native on x86 and AArch64, so a long load costs no byte swap there. Which
    // order we pick only changes how the 8-octet mask word is laid out, computed once per call.
    private static final VarHandle ARRAY_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BUFFER_LONG =
            MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * XORs {@code a[from, to)} in place with the key.
     *
     * @param maskKey the 4 key octets, octet 0 in the most significant byte
     * @param phase payload octets masked before {@code from}, modulo 4 (0..3)
     * @return the phase after {@code to}
     * @throws IndexOutOfBoundsException if the range is not within the array
     * @throws IllegalArgumentException if phase is not in 0..3
     */
    public static int mask(byte[] a, int from, int to, int maskKey, int phase) {
        Objects.checkFromToIndex(from, to, a.length);
        checkPhase(phase);
        int i = from;
        // Head: single octets until the key lines up with octet 0, so each 8-octet word then uses the
        // same mask word. Aligning on the key rather than on memory keeps the main loop branch-free;
        // unaligned long access is cheap on current hardware.
        int p = phase;
        while (p != 0 && i < to) {
            a[i] ^= keyByte(maskKey, p);
            i++;
            p = (p + 1) & 3;
        }
        long word = maskWord(maskKey);
        int last = to - Long.BYTES;
        for (; i <= last; i += Long.BYTES) {
            ARRAY_LONG.set(a, i, (long) ARRAY_LONG.get(a, i) ^ word);
        }
        for (; i < to; i++) {
            a[i] ^= keyByte(maskKey, p);
            p = (p + 1) & 3;
        }
        return p;
    }

    /**
     * XORs the octets at absolute indices {@code [from, to)} of a heap or direct buffer in place.
     *
     * @return the phase after {@code to}
     * @throws IndexOutOfBoundsException if the range is not below the buffer's limit
     * @throws java.nio.ReadOnlyBufferException if the buffer is read-only and the range is not empty
     * @see #mask(byte[], int, int, int, int)
     */
    public static int mask(ByteBuffer buf, int from, int to, int maskKey, int phase) {
        Objects.checkFromToIndex(from, to, buf.limit());
        if (buf.hasArray()) {
            // The array path is the fastest; arrayOffset matters for slices of a larger array.
            int off = buf.arrayOffset();
            return mask(buf.array(), off + from, off + to, maskKey, phase);
        }
        checkPhase(phase);
        if (from < to && buf.isReadOnly()) {
            throw new java.nio.ReadOnlyBufferException();
        }
        int i = from;
        int p = phase;
        while (p != 0 && i < to) {
            buf.put(i, (byte) (buf.get(i) ^ keyByte(maskKey, p)));
            i++;
            p = (p + 1) & 3;
        }
        long word = maskWord(maskKey);
        int last = to - Long.BYTES;
        for (; i <= last; i += Long.BYTES) {
            BUFFER_LONG.set(buf, i, (long) BUFFER_LONG.get(buf, i) ^ word);
        }
        for (; i < to; i++) {
            buf.put(i, (byte) (buf.get(i) ^ keyByte(maskKey, p)));
            p = (p + 1) & 3;
        }
        return p;
    }

    /**
     * Copies {@code len} octets from {@code src} at absolute index {@code srcFrom} to {@code dst} at
     * {@code dstFrom}, masking them on the way; {@code src} is left untouched, which is what a client
     * needs when it sends a caller's buffer (section 5.1: every client frame is masked). Either buffer may
     * be heap or direct, and {@code src} may be read-only. If the two ranges overlap in the same memory
     * the result is unspecified.
     *
     * @return the phase after the last octet
     * @throws IndexOutOfBoundsException if a range is not below its buffer's limit
     */
    public static int maskCopy(ByteBuffer src, int srcFrom, ByteBuffer dst, int dstFrom, int len,
                               int maskKey, int phase) {
        Objects.checkFromIndexSize(srcFrom, len, src.limit());
        Objects.checkFromIndexSize(dstFrom, len, dst.limit());
        checkPhase(phase);
        if (src.hasArray() && dst.hasArray()) {
            return maskCopy(src.array(), src.arrayOffset() + srcFrom,
                    dst.array(), dst.arrayOffset() + dstFrom, len, maskKey, phase);
        }
        if (len > 0 && dst.isReadOnly()) {
            throw new java.nio.ReadOnlyBufferException();
        }
        int i = 0;
        int p = phase;
        while (p != 0 && i < len) {
            dst.put(dstFrom + i, (byte) (src.get(srcFrom + i) ^ keyByte(maskKey, p)));
            i++;
            p = (p + 1) & 3;
        }
        long word = maskWord(maskKey);
        int last = len - Long.BYTES;
        for (; i <= last; i += Long.BYTES) {
            BUFFER_LONG.set(dst, dstFrom + i, (long) BUFFER_LONG.get(src, srcFrom + i) ^ word);
        }
        for (; i < len; i++) {
            dst.put(dstFrom + i, (byte) (src.get(srcFrom + i) ^ keyByte(maskKey, p)));
            p = (p + 1) & 3;
        }
        return p;
    }

    private static int maskCopy(byte[] src, int srcFrom, byte[] dst, int dstFrom, int len,
                                int maskKey, int phase) {
        int i = 0;
        int p = phase;
        while (p != 0 && i < len) {
            dst[dstFrom + i] = (byte) (src[srcFrom + i] ^ keyByte(maskKey, p));
            i++;
            p = (p + 1) & 3;
        }
        long word = maskWord(maskKey);
        int last = len - Long.BYTES;
        for (; i <= last; i += Long.BYTES) {
            ARRAY_LONG.set(dst, dstFrom + i, (long) ARRAY_LONG.get(src, srcFrom + i) ^ word);
        }
        for (; i < len; i++) {
            dst[dstFrom + i] = (byte) (src[srcFrom + i] ^ keyByte(maskKey, p));
            p = (p + 1) & 3;
        }
        return p;
    }

    /** Key octet {@code k} (0..3); octet 0 is the most significant byte of the network-order key. */
    private static byte keyByte(int maskKey, int k) {
        return (byte) (maskKey >>> (24 - 8 * k));
    }

    /**
     * The mask for eight octets starting at key octet 0, laid out for the little-endian views: the octet
     * at the lowest address sits in the lowest byte, so the key is byte-reversed and repeated twice.
     */
    private static long maskWord(int maskKey) {
        long le = Integer.reverseBytes(maskKey) & 0xFFFF_FFFFL;
        return le | (le << 32);
    }

    private static void checkPhase(int phase) {
        if ((phase & ~3) != 0) {
            throw new IllegalArgumentException("phase must be 0..3: " + phase);
        }
    }
}
