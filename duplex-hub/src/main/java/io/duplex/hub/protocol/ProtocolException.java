package io.duplex.hub.protocol;

/** A request that cannot be carried out, with the error to answer it with. */
public final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;
    private final long id;

    /** @param id the request's id when it could be read, else 0 */
    public ProtocolException(ErrorCode code, String message, long id) {
        super(message, null, false, false);
        this.code = code;
        this.id = id;
    }

    public ErrorCode code() {
        return code;
    }

    public long id() {
        return id;
    }
}
