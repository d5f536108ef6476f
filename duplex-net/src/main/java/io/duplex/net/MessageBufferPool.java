package io.duplex.net;

import io.duplex.protocol.MessageBuffers;
import java.nio.ByteBuffer;
import java.util.ArrayList;

/**
 * The direct buffers one event loop lends its WebSocket engines to reassemble large uncompressed messages in, so
 * that such a message is copied once from the read buffer, grows without copies once the pool holds a buffer of
 * its size, and is written from direct memory when it is sent on (no temporary copy in the JDK's socket write).
 *
 * <p>Bounds: the direct bytes this pool allocates (lent out or free) never exceed {@code maxBytes}; beyond that
 * buffers are plain heap buffers that are not kept. A new buffer is at most twice what the message has received
 * (see {@link MessageBuffers#acquire}); only a buffer that already exists is lent at a header's announced size.
 *
 * <p>Reuse: a released buffer may still be referenced by a view queued on a connection (an echoed message is
 * written in place). It becomes free again only in {@link #reclaim}, which the loop calls after its flush has
 * replaced such views by copies ({@link EventLoop#flushDirty}).
 *
 * <p>Loop thread only.
 */
final class MessageBufferPool implements MessageBuffers {
    /** Default bound on the direct bytes of one loop's pool. */
    static final long DEFAULT_MAX_BYTES = 16L << 20;
    /**
     * Messages move here from the engine's heap array once this many bytes arrived: below one read buffer, so
     * that a message the size of several reads is copied into the pool at its first read that does not end it.
     */
    static final int THRESHOLD = 32 * 1024;

    private final long maxBytes;
    private final ArrayList<ByteBuffer> free = new ArrayList<>();
    private final ArrayList<ByteBuffer> returning = new ArrayList<>();
    /** Direct bytes allocated and still owned (free, returning or lent). */
    private long directBytes;
    /** Bytes of every buffer ever allocated here, direct or heap (for tests of the amplification bound). */
    private long allocatedBytes;

    MessageBufferPool(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public int threshold() {
        return THRESHOLD;
    }

    @Override
    public ByteBuffer acquire(int received, int announced) {
        ByteBuffer b = takeFree(received, announced);
        if (b != null) {
            return b.clear();
        }
        // Never reserve what the peer did not send: at most twice what arrived.
        int size = (int) Math.max(received, Math.min(announced, 2L * received));
        allocatedBytes += size;
        if (directBytes + size > maxBytes) {
            dropFree(directBytes + size - maxBytes);
        }
        if (directBytes + size <= maxBytes) {
            try {
                ByteBuffer direct = ByteBuffer.allocateDirect(size);
                directBytes += size;
                return direct;
            } catch (OutOfMemoryError e) {
                // -XX:MaxDirectMemorySize is reached (the pools of all loops may exceed it): use the heap.
            }
        }
        return ByteBuffer.allocate(size);
    }

    /** The smallest free buffer that holds {@code announced}, else the largest that holds {@code received}. */
    private ByteBuffer takeFree(int received, int announced) {
        int best = -1;
        for (int i = 0; i < free.size(); i++) {
            int cap = free.get(i).capacity();
            if (cap < received) {
                continue;
            }
            if (best < 0) {
                best = i;
                continue;
            }
            int bestCap = free.get(best).capacity();
            boolean fits = cap >= announced;
            boolean bestFits = bestCap >= announced;
            if (fits ? !bestFits || cap < bestCap : !bestFits && cap > bestCap) {
                best = i;
            }
        }
        return best < 0 ? null : free.remove(best);
    }

    /** Forgets free buffers, smallest first, until {@code bytes} are dropped or none is left. */
    private void dropFree(long bytes) {
        free.sort((x, y) -> Integer.compare(x.capacity(), y.capacity()));
        while (bytes > 0 && !free.isEmpty()) {
            int cap = free.remove(0).capacity();
            directBytes -= cap;
            bytes -= cap;
        }
    }

    @Override
    public void release(ByteBuffer buffer) {
        if (buffer.isDirect()) {
            returning.add(buffer);
        }
    }

    /** The loop has flushed and copied every queued view: released buffers may be lent again. */
    void reclaim() {
        if (!returning.isEmpty()) {
            free.addAll(returning);
            returning.clear();
        }
    }

    /** Direct bytes owned by this pool: lent, free or waiting for {@link #reclaim}. */
    long directBytes() {
        return directBytes;
    }

    /** Bytes of all buffers allocated so far, direct or heap. */
    long allocatedBytes() {
        return allocatedBytes;
    }

    /** Free buffers, ready to be lent. */
    int freeBuffers() {
        return free.size();
    }
}
