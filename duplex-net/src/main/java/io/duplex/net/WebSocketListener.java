package io.duplex.net;

import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * Callbacks for one WebSocket connection, all on the connection's event loop thread, in order. They must not
 * block: hand long work to another executor. An exception thrown by a callback is reported to
 * {@link #onError} and closes the connection with 1011.
 */
public interface WebSocketListener {

    /** The handshake completed; sends are possible from here on. */
    default void onOpen(WebSocket ws) {}

    default void onText(WebSocket ws, String text) {}

    /**
     * A binary message. A read-only {@code data} is a view of memory the loop reuses: its read buffer (a message
     * that arrived in one read) or a pooled direct buffer (a large message reassembled from several reads, see
     * {@link EventLoop#messageBufferPoolBytes}). It is valid only until this method returns: copy it to keep it
     * (sending it, even to another connection, is safe without a copy: the runtime copies only what the socket
     * could not take at once). A writable {@code data} (a smaller message reassembled from several reads, any
     * with the pool off, or an inflated one) is the listener's to keep.
     */
    default void onBinary(WebSocket ws, ByteBuffer data) {}

    /** A ping; the pong has already been queued. */
    default void onPing(WebSocket ws, ByteBuffer payload) {}

    default void onPong(WebSocket ws, ByteBuffer payload) {}

    /** The queue fell below the low watermark after having exceeded the high one. */
    default void onWritable(WebSocket ws) {}

    /** Called exactly once per connection, whatever ended it (abrupt resets included). */
    default void onClose(WebSocket ws, CloseStatus status) {}

    /** A protocol violation by the peer, a transport error or an exception from a callback. */
    default void onError(WebSocket ws, Throwable error) {}

    /** Auto-reconnecting clients only: the connection was lost and attempt {@code attempt} starts after {@code delay}. */
    default void onReconnecting(WebSocket ws, int attempt, Duration delay) {}

    /** Auto-reconnecting clients only: a new connection replaced the lost one; queued messages follow. */
    default void onReconnected(WebSocket ws) {}
}
