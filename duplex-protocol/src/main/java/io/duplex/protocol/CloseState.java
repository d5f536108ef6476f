package io.duplex.protocol;

/**
 * The closing handshake of RFC 6455 sections 5.5.1 and 7 as seen by one endpoint.
 *
 * <pre>
 *   OPEN --local close()--------------> CLOSING --peer's close--> CLOSED
 *   OPEN --peer's close (reply sent)-------------------------------> CLOSED
 *   OPEN / CLOSING --protocol violation or limit (close sent)-----> FAILED
 * </pre>
 */
public enum CloseState {
    /** Neither side has sent a close frame. */
    OPEN,
    /** This endpoint sent a close frame and waits for the peer's (it may still receive data, section 1.4). */
    CLOSING,
    /** Close frames went both ways; the TCP connection may be closed (server first, section 7.1.1). */
    CLOSED,
    /** This endpoint failed the connection; all further input is discarded. */
    FAILED;

    /** Who sent the first close frame. */
    public enum Initiator { LOCAL, REMOTE }
}
