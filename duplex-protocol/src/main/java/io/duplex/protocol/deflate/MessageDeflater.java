package io.duplex.protocol.deflate;

import java.nio.ByteBuffer;

/**
 * Compresses whole messages for permessage-deflate (RFC 7692 section 7.2.1): raw DEFLATE ending in a sync flush,
 * with the final empty block's four octets {@code 00 00 ff ff} removed. Not thread-safe: one thread at a time.
 */
public interface MessageDeflater {

    /** Compresses {@code data}'s remaining bytes (its position is not changed) into a fresh buffer. */
    ByteBuffer deflate(ByteBuffer data);

    /** Forgets the sliding window, so the next message does not refer to earlier ones (no context takeover). */
    void reset();

    /** Frees native memory; the deflater is unusable afterwards. */
    void release();
}
