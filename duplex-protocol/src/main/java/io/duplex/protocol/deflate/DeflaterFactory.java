package io.duplex.protocol.deflate;

/**
 * Makes {@link MessageDeflater}s. The JDK's {@code Deflater} always uses a 32 KiB window, so it can only honour
 * 15 window bits; a factory backed by a library that can limit the window (the runtime supplies one) serves peers
 * that ask for less. Thread-safe.
 */
public interface DeflaterFactory {

    boolean supportsWindowBits(int bits);

    /** A deflater for {@code windowBits} (8-15) at compression {@code level} (0-9, -1 default). */
    MessageDeflater create(int windowBits, int level);

    /** The JDK's zlib: 15 window bits only. */
    DeflaterFactory JDK = new DeflaterFactory() {
        @Override
        public boolean supportsWindowBits(int bits) {
            return bits == 15;
        }

        @Override
        public MessageDeflater create(int windowBits, int level) {
            if (windowBits != 15) {
                throw new IllegalArgumentException("the JDK deflater only supports 15 window bits");
            }
            return new JdkMessageDeflater(level);
        }
    };
}
