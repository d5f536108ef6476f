package io.duplex.protocol.handshake;

/**
 * An HTTP message head that cannot be accepted, with the status a server should answer with: 400 for
 * malformed syntax, 431 when a size limit is exceeded, 505 for an unsupported HTTP version.
 *
 * <p>Thread-safety: immutable.
 */
public final class HttpParseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String reason;

    public HttpParseException(int status, String reason) {
        super(status + " " + reason);
        this.status = status;
        this.reason = reason;
    }

    /** The HTTP status code a server should answer with. */
    public int status() {
        return status;
    }

    /** A short human-readable reason, fit for a response body. */
    public String reason() {
        return reason;
    }
}
