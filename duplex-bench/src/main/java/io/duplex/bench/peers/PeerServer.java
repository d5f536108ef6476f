package io.duplex.bench.peers;

/**
 * A running peer server: the handle that each peer's {@code start} returns.
 *
 * <p>Thread-safety: implementations allow {@link #actualPort()} from any thread at any time and
 * {@link #close()} from any thread; {@code close} is idempotent.
 */
public interface PeerServer extends AutoCloseable {

    /** The TCP port the server is bound to, which differs from the requested one when that was 0. */
    int actualPort();

    /** Stops accepting, closes every connection and releases the framework's threads; waits for it. */
    @Override
    void close();

    /** Starts one kind of peer; each peer class exposes a method reference of this shape. */
    @FunctionalInterface
    interface Starter {
        PeerServer start(PeerOptions options) throws Exception;
    }
}
