package io.duplex.net;

/**
 * How a WebSocket connection ended, reported exactly once per connection.
 *
 * @param code the close code: the peer's close frame code after a completed handshake, the code this side
 *     sent when it failed the connection, or 1006 when the TCP connection ended without a close handshake
 * @param reason the close reason, possibly empty
 * @param remote true when the peer started the closing (or vanished), false when this side did
 * @param clean true when close frames went both ways before the TCP connection ended
 */
public record CloseStatus(int code, String reason, boolean remote, boolean clean) {}
