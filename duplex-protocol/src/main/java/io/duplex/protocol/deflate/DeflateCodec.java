package io.duplex.protocol.deflate;

import io.duplex.protocol.Role;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.Inflater;

/**
 * permessage-deflate state of one connection (RFC 7692 section 7.2). The compressor and decompressor are created
 * on first use and released by {@link #release()}. When this side compresses without context takeover, it borrows
 * the calling thread's shared compressor (in Duplex: one per event loop) instead of owning one.
 *
 * <p>Likewise, when the peer compresses without context takeover, every message starts from an empty window, so
 * no decompressor needs to outlive a message: one is taken from the calling thread's spares when a compressed
 * message starts and given back, reset, when it has been inflated completely. A message that arrives in one read
 * is inflated before the next connection's, so one decompressor per event loop serves them all; a message split
 * across reads or frames keeps its decompressor until its last frame. A decompressor that failed, or whose message
 * never ended, is freed rather than given back, so a broken stream cannot reach another connection.
 *
 * <p>Not thread-safe: confined to the connection's thread (one thread at a time).
 */
public final class DeflateCodec {
    private static final ThreadLocal<Map<String, MessageDeflater>> SHARED = ThreadLocal.withInitial(HashMap::new);
    private static final ThreadLocal<ArrayDeque<Inflater>> SPARE_INFLATERS = ThreadLocal.withInitial(ArrayDeque::new);
    /**
     * Reset decompressors a thread keeps for the next message. One is in use at a time for messages that arrive
     * whole; more only while messages split across reads are in progress on several connections at once. Beyond
     * this many, a returned decompressor is freed, so a burst of split messages does not pin native memory.
     */
    static final int MAX_SPARE_INFLATERS = 4;

    private final DeflateParams params;
    private final PerMessageDeflate config;
    private final boolean outNoContext;
    private final int outWindowBits;
    private final boolean inNoContext;
    private MessageDeflater deflater;
    /** Owned while the peer keeps context; without it, held only while a compressed message is being received. */
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

    /**
     * The decompressor for the compressed message being received (raw DEFLATE, any window up to 15 bits). With the
     * peer's context takeover it is this connection's own, created on first use and kept; without, it is borrowed
     * from the calling thread's spares until {@link #endMessage()}.
     */
    public Inflater inflater() {
        if (inflater == null) {
            Inflater spare = inNoContext ? SPARE_INFLATERS.get().pollLast() : null;
            inflater = spare != null ? spare : new Inflater(true);
        }
        return inflater;
    }

    /**
     * A compressed message was fully received. Without the peer's context takeover (RFC 7692 7.1.1.1, 7.1.1.2: the next
     * message starts with an empty window) the decompressor is reset and given back to the calling thread.
     */
    public void endMessage() {
        if (inNoContext && inflater != null) {
            Inflater done = inflater;
            inflater = null;
            done.reset();
            ArrayDeque<Inflater> spares = SPARE_INFLATERS.get();
            if (spares.size() < MAX_SPARE_INFLATERS) {
                spares.addLast(done);
            } else {
                done.end();
            }
        }
    }

    /** How many reset decompressors the calling thread keeps for the next message (for tests). */
    static int spareInflaters() {
        return SPARE_INFLATERS.get().size();
    }

    /** Whether the peer compresses every message from an empty window, so no decompressor is kept between them. */
    public boolean inflatesWithoutContext() {
        return inNoContext;
    }

    /**
     * Frees native memory; call when the connection closes or fails. A decompressor held mid-message (borrowed or
     * not) is freed, never given back: after an error its stream is unusable.
     */
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
