package io.duplex.hub;

import io.duplex.net.EventLoop;
import io.duplex.net.SendResult;
import java.nio.ByteBuffer;

/**
 * What carries one {@link HubSession} to its client: a WebSocket, or (for the HTTP fallbacks) an event stream or
 * a polling channel. The hub decides what to send and when; a transport only frames it.
 *
 * <p>Every method is called on {@link #loop()}, which owns the session.
 */
public interface SessionTransport {

    /** The event loop that owns the session; requests are handed to the session on it. */
    EventLoop loop();

    /** One text frame of one or more JSON messages separated by '\n'; the buffer becomes the transport's. */
    SendResult sendText(ByteBuffer utf8);

    /**
     * A frame shared by many sessions (a publication, or a batch of them): the transport should send the form
     * encoded once for all ({@link SharedFrame#prepared()} for WebSocket) rather than encode it again.
     */
    SendResult sendShared(SharedFrame frame);

    /** Ends the transport with this close code and reason (WebSocket semantics; other transports map it). */
    void close(int code, String reason);

    /** False once the transport is closing or closed. */
    boolean isOpen();

    /** Bytes queued for the client but not yet written. */
    long bufferedAmount();

    /** "websocket", "sse" or "polling": the transport label in metrics and logs. */
    String kind();

    /** Adds what this transport's clients need to the {@code welcome} message (e.g. the HTTP session id). */
    default void welcome(com.fasterxml.jackson.databind.node.ObjectNode welcome) {}
}
