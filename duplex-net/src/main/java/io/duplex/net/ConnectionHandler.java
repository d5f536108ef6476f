package io.duplex.net;

import java.nio.ByteBuffer;

/**
 * Callbacks for one connection. Every method runs on the connection's event loop thread and must
 * not block.
 *
 * <p>Lifecycle: {@link #onOpen} first (for TLS, once the handshake has completed), then any number
 * of {@link #onRead} and {@link #onWritable}, then {@link #onClose} exactly once. A connection that
 * never opened (a failed connect or TLS handshake) gets neither call.
 */
public interface ConnectionHandler {

    /** The connection is ready for application bytes. Writes made here are flushed on return. */
    default void onOpen(Connection connection) {
    }

    /**
     * Bytes arrived. {@code data} is the event loop's shared buffer: it is valid only during this
     * call and is overwritten by the next read on any connection of the loop. Consume what can be
     * consumed and copy any partial remainder; never pass {@code data} itself to
     * {@link Connection#write}. Writes made here are flushed together when the call returns.
     * A throw closes the connection with the exception as cause.
     */
    void onRead(Connection connection, ByteBuffer data);

    /**
     * {@link Connection#bufferedAmount()} fell to the low watermark after having exceeded the high
     * one; {@link Connection#isWritable()} is true again.
     */
    default void onWritable(Connection connection) {
    }

    /**
     * The connection is closed and its socket released. {@code cause} is null for an orderly close
     * (local {@code close()} or {@code abort()}, the peer's FIN, loop shutdown) and the error
     * otherwise (reset, I/O error, TLS failure, an exception thrown by this handler).
     */
    void onClose(Connection connection, Throwable cause);
}
