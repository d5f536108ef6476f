package io.duplex.net;

import io.duplex.protocol.handshake.HttpRequest;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * One WebSocket connection, server or client side.
 *
 * <p>Thread-safety: every method may be called from any thread. On the connection's loop thread (inside
 * listener callbacks) a send is queued at once and the result is exact; from another thread it is handed to
 * the loop in order and the result is an estimate ({@link SendResult#SENT} unless the connection is closed or
 * over its limit). Sends made during one callback are written together with one system call.
 *
 * <p>Buffers passed to {@code send*} are referenced, not copied, when no masking or compression applies: do
 * not modify them afterwards.
 */
public interface WebSocket {

    SendResult sendText(String text);

    SendResult sendBinary(ByteBuffer data);

    /**
     * Sends a text message from bytes the caller guarantees to be valid UTF-8 (e.g. a JSON encoder's output),
     * sparing the decode and re-encode of {@link #sendText(String)}. The buffer is referenced, not copied.
     */
    default SendResult sendUtf8(ByteBuffer validUtf8) {
        return send(PreparedMessage.utf8Text(validUtf8));
    }

    default SendResult sendBinary(byte[] data) {
        return sendBinary(ByteBuffer.wrap(data));
    }

    /** Sends a message encoded once for many connections (broadcast). */
    SendResult send(PreparedMessage message);

    /**
     * Starts a message sent in fragments (section 5.4 of RFC 6455) for payloads too large to hold at once.
     * Until the stream is finished, other data messages on this connection fail with IllegalStateException;
     * pings and pongs may still be sent.
     */
    MessageStream stream(boolean text);

    SendResult ping(ByteBuffer payload);

    SendResult pong(ByteBuffer payload);

    /** Starts the closing handshake; {@link WebSocketListener#onClose} follows once it completes or times out. */
    void close(int code, String reason);

    default void close() {
        close(1000, "");
    }

    /** Drops the TCP connection at once, without a closing handshake (code 1006). */
    void terminate();

    /** Bytes queued but not yet written to the socket. */
    long bufferedAmount();

    /** Stops reading from the socket until {@link #resumeReading()}; TCP flow control then slows the peer. */
    void pauseReading();

    void resumeReading();

    boolean isOpen();

    InetSocketAddress remoteAddress();

    /**
     * Server side: the upgrade request (path, query, headers) — for the whole connection by default, during
     * {@code onOpen} only when the endpoint does not retain it ({@link Endpoint#withRetainRequest}). Client side: null.
     */
    HttpRequest request();

    /** The negotiated subprotocol, or null. */
    String subprotocol();

    /**
     * The negotiated extensions as a {@code Sec-WebSocket-Extensions} value, e.g.
     * {@code "permessage-deflate; server_no_context_takeover"}, or "" when none.
     */
    String extensions();

    /**
     * The event loop that runs this connection's callbacks and owns its state: work for this connection handed to
     * it runs in order with the callbacks. For an auto-reconnecting client, the current connection's loop (null
     * while disconnected).
     */
    EventLoop loop();

    Object attachment();

    void attach(Object attachment);

    /** A fragmented outgoing message; not thread-safe, use it from one thread at a time. */
    interface MessageStream {
        /** Sends {@code chunk} as one more fragment. */
        SendResult write(ByteBuffer chunk);

        /** Sends {@code lastChunk} (possibly empty) as the final fragment. */
        SendResult finish(ByteBuffer lastChunk);
    }
}
