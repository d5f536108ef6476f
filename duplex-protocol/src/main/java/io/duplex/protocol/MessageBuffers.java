package io.duplex.protocol;

import java.nio.ByteBuffer;

/**
 * Where a {@link WebSocketEngine} reassembles large uncompressed messages, typically a pool of direct buffers
 * owned by the I/O thread. Without one the engine reassembles every message in a heap array of its own.
 *
 * <p>The engine asks for a buffer only once a message that did not arrive in one {@code receive} call has
 * {@link #threshold()} bytes or more; smaller messages stay in the engine's heap array. A message delivered
 * from such a buffer reaches the listener as a read-only {@link Event.Binary} view (or as a decoded
 * {@link Event.Text}) valid only until the listener returns, after which the engine calls {@link #release}.
 *
 * <p>Memory amplification: a frame header may announce up to {@code maxFramePayload} bytes that never come.
 * Memory that already exists (a free pooled buffer) may be handed out at the announced size at once, but a new
 * allocation must be at most twice what was received, so the peer cannot make us reserve what it did not send.
 *
 * <p>Called by the engine's thread only.
 */
public interface MessageBuffers {

    /** Size in bytes from which a message being reassembled moves into a buffer from here. */
    int threshold();

    /**
     * A buffer of capacity at least {@code received} (position 0, limit at capacity) for a message of which
     * {@code received} bytes have arrived and {@code announced} (at least {@code received}) are announced by the
     * headers so far. A new allocation is at most {@code max(received, min(announced, 2 * received))} bytes.
     */
    ByteBuffer acquire(int received, int announced);

    /**
     * The engine no longer uses {@code buffer} (from {@link #acquire}), nor will a listener: views handed out
     * were valid only until the listener returned. The owner may still have to wait for writes that took such a
     * view without copying before it reuses the memory.
     */
    void release(ByteBuffer buffer);
}
