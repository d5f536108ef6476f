package io.duplex.protocol;

import java.security.SecureRandom;
import java.util.function.IntSupplier;

/**
 * Limits and switches of one {@link WebSocketEngine}. Immutable and thread-safe; build with {@link #builder()}.
 *
 * <table>
 *   <caption>Defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>why</th></tr>
 *   <tr><td>maxFramePayload</td><td>16 MiB</td><td>a frame header may announce up to 2^63 bytes; the engine
 *       fails (1009) at the header instead of waiting for or buffering them</td></tr>
 *   <tr><td>maxMessageSize</td><td>16 MiB</td><td>a fragmented message is reassembled in memory; this bounds
 *       what one peer can make us hold (1009)</td></tr>
 *   <tr><td>autoPong</td><td>true</td><td>section 5.5.2 requires a pong for every ping</td></tr>
 *   <tr><td>extensionRsvBits</td><td>0</td><td>RSV bits are only legal when a negotiated extension owns them
 *       (section 5.2)</td></tr>
 * </table>
 */
public final class EngineConfig {
    public static final int DEFAULT_MAX_FRAME_PAYLOAD = 16 << 20;
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 16 << 20;

    private static final SecureRandom MASK_RANDOM = new SecureRandom();
    private static final EngineConfig DEFAULTS = builder().build();

    private final int maxFramePayload;
    private final int maxMessageSize;
    private final boolean autoPong;
    private final int extensionRsvBits;
    private final IntSupplier maskKeySource;

    private EngineConfig(Builder b) {
        this.maxFramePayload = b.maxFramePayload;
        this.maxMessageSize = b.maxMessageSize;
        this.autoPong = b.autoPong;
        this.extensionRsvBits = b.extensionRsvBits;
        this.maskKeySource = b.maskKeySource;
    }

    public static EngineConfig defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public int maxFramePayload() {
        return maxFramePayload;
    }

    public int maxMessageSize() {
        return maxMessageSize;
    }

    public boolean autoPong() {
        return autoPong;
    }

    public int extensionRsvBits() {
        return extensionRsvBits;
    }

    /** Source of client masking keys (section 5.3: unpredictable, from a strong source of entropy). */
    public IntSupplier maskKeySource() {
        return maskKeySource;
    }

    public Builder toBuilder() {
        return new Builder()
                .maxFramePayload(maxFramePayload)
                .maxMessageSize(maxMessageSize)
                .autoPong(autoPong)
                .extensionRsvBits(extensionRsvBits)
                .maskKeySource(maskKeySource);
    }

    /** Not thread-safe. */
    public static final class Builder {
        private int maxFramePayload = DEFAULT_MAX_FRAME_PAYLOAD;
        private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
        private boolean autoPong = true;
        private int extensionRsvBits;
        private IntSupplier maskKeySource = MASK_RANDOM::nextInt;

        private Builder() {}

        /** Largest accepted frame payload in bytes, at least 125 (a control frame must always fit). */
        public Builder maxFramePayload(int bytes) {
            if (bytes < WebSocketProtocol.MAX_CONTROL_PAYLOAD) {
                throw new IllegalArgumentException("maxFramePayload must be at least 125, got " + bytes);
            }
            this.maxFramePayload = bytes;
            return this;
        }

        /** Largest accepted message in bytes (after reassembly), at least 1. */
        public Builder maxMessageSize(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxMessageSize must be positive, got " + bytes);
            }
            this.maxMessageSize = bytes;
            return this;
        }

        public Builder autoPong(boolean on) {
            this.autoPong = on;
            return this;
        }

        /** RSV bits ({@link WebSocketProtocol#B0_RSV1} etc.) owned by negotiated extensions. */
        public Builder extensionRsvBits(int bits) {
            if ((bits & ~WebSocketProtocol.B0_RSV_MASK) != 0) {
                throw new IllegalArgumentException("not RSV bits: 0x" + Integer.toHexString(bits));
            }
            this.extensionRsvBits = bits;
            return this;
        }

        public Builder maskKeySource(IntSupplier source) {
            if (source == null) {
                throw new IllegalArgumentException("maskKeySource must not be null");
            }
            this.maskKeySource = source;
            return this;
        }

        public EngineConfig build() {
            return new EngineConfig(this);
        }
    }
}
