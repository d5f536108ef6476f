package io.duplex.protocol.handshake;

/**
 * The server's answer to an opening handshake is not one a client may accept (RFC 6455 section 4.1:
 * "the client MUST Fail the WebSocket Connection"). {@link #reason()} says which rule was broken.
 *
 * <p>Thread-safety: immutable.
 */
public final class HandshakeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Each way a server response can fail section 4.1's checks; stable, for callers to switch on. */
    public enum Reason {
        /** Status other than 101; the message holds the status and reason phrase. */
        UNEXPECTED_STATUS,
        MISSING_UPGRADE,
        /** Upgrade does not hold the token {@code websocket}. */
        BAD_UPGRADE,
        MISSING_CONNECTION,
        /** Connection does not hold the token {@code Upgrade}. */
        BAD_CONNECTION,
        MISSING_ACCEPT,
        /** Sec-WebSocket-Accept is not the hash of the key we sent (or appears more than once). */
        ACCEPT_MISMATCH,
        /** Sec-WebSocket-Protocol names something we did not offer, or more than one value. */
        UNOFFERED_SUBPROTOCOL,
        /** Sec-WebSocket-Extensions names an extension we did not offer. */
        UNOFFERED_EXTENSION,
        /** Sec-WebSocket-Extensions does not follow the section 9.1 grammar. */
        MALFORMED_EXTENSIONS
    }

    private final Reason reason;
    private final int status;

    public HandshakeException(Reason reason, String message) {
        this(reason, 0, message);
    }

    public HandshakeException(Reason reason, int status, String message) {
        super(reason + ": " + message);
        this.reason = reason;
        this.status = status;
    }

    public Reason reason() {
        return reason;
    }

    /** The response status for {@link Reason#UNEXPECTED_STATUS}; 0 otherwise. */
    public int status() {
        return status;
    }
}
