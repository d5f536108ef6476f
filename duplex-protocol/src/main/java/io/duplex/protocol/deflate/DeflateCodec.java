package io.duplex.protocol.deflate;

import io.duplex.protocol.Role;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.Inflater;

/**
 * permessage-deflate state of one connection (RFC 7692 section 7.2). The compressor and decompressor are created
 * on first use and released by {@link #release()}. When this side compresses without context takeover, it borrows
 * the calling thread's shared compressor (in Duplex: one per event loop) instead of owning one.
 *
 * <p>Not thread-safe: confined to the connection's thread.
 */
public final class DeflateCodec {
    private static final ThreadLocal<Map<String, MessageDeflater>> SHARED = ThreadLocal.withInitial(HashMap::new);

    private final DeflateParams params;
    private final PerMessageDeflate config;
    private final boolean outNoContext;
    private final int outWindowBits;
    private final boolean inNoContext;
    private MessageDeflater deflater;
    private Inflater inflater;

    DeflateCodec(Role role, DeflateParams params, PerMessageDeflate config) {
        this.params = params;
        this.config = config;
        boolean server = role == Role.SERVER;
        this.outNoContext = server ? params.serverNoContextTakeover() : params.clientNoContextTakeover();
        this.outWindowBits = server ? params.serverMaxWindowBits() : params.clientMaxWindowBits();
        this.inNoContext = server ? params.clientNoContextTakeover() : params.serverNoContextTakeover();
    }

    public DeflateParams params() {
        return params;
    }

    /** Whether a message of {@code length} bytes is worth compressing. */
    public boolean shouldCompress(int length) {
        return length >= config.threshold();
    }

    /** Whether this side's messages are compressed independently, so one compressed frame suits many peers. */
    public boolean compressesWithoutContext() {
        return outNoContext;
    }

    public int outWindowBits() {
        return outWindowBits;
    }

    /** Compresses one whole message (7.2.1); the result carries no 00 00 ff ff tail. */
    public ByteBuffer compress(ByteBuffer payload) {
        if (outNoContext) {
            MessageDeflater shared = sharedDeflater(config, outWindowBits);
            try {
                return shared.deflate(payload);
            } finally {
                shared.reset();
            }
        }
        if (deflater == null) {
            deflater = config.factory().create(outWindowBits, config.level());
        }
        return deflater.deflate(payload);
    }

    /** Compresses with the calling thread's shared compressor, independent of this connection's history. */
    public ByteBuffer compressContextFree(ByteBuffer payload) {
        MessageDeflater shared = sharedDeflater(config, 15);
        try {
            return shared.deflate(payload);
        } finally {
            shared.reset();
        }
    }

    /**
     * The calling thread's compressor for messages compressed without context: used for every connection on this
     * thread and for broadcast frames encoded once.
     */
    public static MessageDeflater sharedDeflater(PerMessageDeflate config, int windowBits) {
        String key = System.identityHashCode(config.factory()) + "/" + config.level() + "/" + windowBits;
        return SHARED.get().computeIfAbsent(key, k -> config.factory().create(windowBits, config.level()));
    }

    /** The decompressor for the peer's messages, created on first use. Raw DEFLATE, any window up to 15 bits. */
    public Inflater inflater() {
        if (inflater == null) {
            inflater = new Inflater(true);
        }
        return inflater;
    }

    /** A compressed message was fully received. Without the peer's context takeover the window is forgotten. */
    public void endMessage() {
        if (inNoContext && inflater != null) {
            inflater.reset();
        }
    }

    /** Frees native memory; call when the connection closes. */
    public void release() {
        if (deflater != null) {
            deflater.release();
            deflater = null;
        }
        if (inflater != null) {
            inflater.end();
            inflater = null;
        }
    }

    /** Whether a compressor or decompressor is currently held (for memory accounting and tests). */
    public boolean holdsNativeState() {
        return deflater != null || inflater != null;
    }
}
