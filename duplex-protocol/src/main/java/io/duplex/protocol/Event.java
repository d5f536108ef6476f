package io.duplex.protocol;

import java.nio.ByteBuffer;

/**
 * What the engine reports after parsing received bytes. Immutable values, except that a {@link Binary}
 * payload may be a view of the caller's input buffer (see there).
 */
public sealed interface Event {

    /** A complete text message, validated as UTF-8 (RFC 6455 section 8.1). */
    record Text(String text) implements Event {}

    /**
     * A complete binary message. When the message arrived whole in one {@code receive} call, {@code data}
     * is a read-only view of the caller's input buffer, valid only until the listener returns: copy it to keep
     * it. The same holds for a message reassembled in a buffer from the engine's {@link MessageBuffers}, which
     * is reused once the listener returns. Otherwise it is a writable buffer the engine no longer uses, which the
     * listener may keep.
     */
    record Binary(ByteBuffer data) implements Event {}

    /** A ping (section 5.5.2); the engine has already queued the pong when {@code autoPong} is on. */
    record Ping(ByteBuffer payload) implements Event {}

    /** A pong (section 5.5.3), solicited or not. */
    record Pong(ByteBuffer payload) implements Event {}

    /**
     * The peer's close frame (section 5.5.1). {@code code} is {@link CloseCodes#NO_STATUS} when the frame
     * had no payload. If this endpoint had not closed yet, the engine has already queued the reply.
     */
    record CloseReceived(int code, String reason) implements Event {}

    /**
     * The engine failed the connection (section 7.1.7) because the peer broke the protocol or a limit. A close
     * frame with {@code code} has been queued when none was sent before; everything received afterwards is
     * discarded. The transport should be closed once the queued bytes are written.
     */
    record Failure(int code, String reason) implements Event {}
}
